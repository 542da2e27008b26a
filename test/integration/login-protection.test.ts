import type * as oidc from 'openid-client';
import { beforeAll, describe, expect, it } from 'vitest';
import { sweepExpired } from '../../src/oidc/expiry-cleanup.js';
import { createPasswordHasher, OWASP_ARGON2ID } from '../../src/directory/password-hasher.js';
import { currentBackend } from '../support/backend.js';
import { argon2Parameters, PASSWORD, seedDirectory } from '../support/fixtures.js';
import { openLoginPage } from '../support/flows.js';
import { discover, useTestServer } from '../support/harness.js';
import { alertText, UserAgent, type PageResponse } from '../support/user-agent.js';

describe(`sign-in protection and housekeeping (${currentBackend()})`, () => {
  const ctx = useTestServer();
  let config: oidc.Configuration;

  beforeAll(async () => {
    const { client } = await seedDirectory(ctx.server.latchkey.services);
    for (const username of ['rita', 'sam', 'pat', 'olga']) await ctx.server.latchkey.services.users.create({ username, password: PASSWORD, emailVerified: true });
    await ctx.server.latchkey.services.users.create({ username: 'nina', email: 'nina@example.com', password: PASSWORD });
    config = await discover(ctx.server, client);
  });

  const attempt = (agent: UserAgent, page: PageResponse, username: string, password: string) => agent.submit(page, 'form#login-form', { username, password });

  it('throttles an account after 10 failed attempts, even with the right password, and only that account', async () => {
    const agent = new UserAgent();
    const { page } = await openLoginPage(agent, config);
    for (let i = 0; i < 10; i += 1) expect((await attempt(agent, page, 'rita', 'wrong password')).status).toBe(401);
    const blocked = await attempt(agent, page, 'RITA', PASSWORD); // normalised: the same account
    expect(blocked.status).toBe(429);
    expect(Number(blocked.headers.get('retry-after'))).toBeGreaterThan(0);
    expect(alertText(blocked.html)).toMatch(/Too many sign-in attempts/);
    const other = await attempt(agent, page, 'alice', PASSWORD);
    expect(other.status).toBe(303);
    // The counter's key is a digest: the table does not list who tried to sign in.
    const keys = await ctx.server.db.query<{ key: string }>('SELECT key FROM rate_limits');
    expect(JSON.stringify(keys.rows)).not.toContain('rita');
  });

  it('counts attempts against the account, however it is named: 10 failures as "nina", then one as her e-mail address is refused', async () => {
    const agent = new UserAgent();
    const { page } = await openLoginPage(agent, config);
    for (let i = 0; i < 10; i += 1) expect((await attempt(agent, page, 'nina', 'wrong password')).status).toBe(401);
    expect((await attempt(agent, page, 'Nina@Example.com', 'wrong password')).status).toBe(429);
    expect((await attempt(agent, page, 'nina@example.com', PASSWORD)).status).toBe(429);
  });

  it('counts an identifier that names nobody by itself, with the same answers as for an account', async () => {
    const agent = new UserAgent();
    const { page } = await openLoginPage(agent, config);
    for (let i = 0; i < 10; i += 1) expect((await attempt(agent, page, 'ghost@example.com', 'wrong password')).status).toBe(401);
    expect((await attempt(agent, page, 'GHOST@example.com', 'wrong password')).status).toBe(429);
    expect((await attempt(agent, page, 'ghost', 'wrong password')).status).toBe(401);
  });

  it('resets the account counter after a successful sign-in', async () => {
    const agent = new UserAgent();
    const { page } = await openLoginPage(agent, config);
    for (let i = 0; i < 9; i += 1) await attempt(agent, page, 'sam', 'wrong password');
    const fresh = await openLoginPage(agent, config);
    expect((await attempt(agent, fresh.page, 'sam', PASSWORD)).status).toBe(303);
    // From the same address, in another browser (this one is signed in now): counted from zero again.
    const browser = new UserAgent();
    const again = await openLoginPage(browser, config);
    for (let i = 0; i < 9; i += 1) expect((await attempt(browser, again.page, 'sam', 'wrong password')).status).toBe(401);
  });

  it('counts parallel attempts atomically: exactly 10 of 20 get through', async () => {
    const agent = new UserAgent();
    const { page } = await openLoginPage(agent, config);
    const statuses = await Promise.all(Array.from({ length: 20 }, () => attempt(agent, page, 'pat', 'wrong password').then((r) => r.status)));
    expect(statuses.filter((s) => s === 429)).toHaveLength(10);
    expect(statuses.filter((s) => s === 401)).toHaveLength(10);
  });

  it('upgrades a password hash made with weaker parameters at sign-in, and resets the account counter in the same transaction', async () => {
    const weak = await createPasswordHasher({ ...OWASP_ARGON2ID, memoryCost: 4096, timeCost: 1 }).hash(PASSWORD);
    await ctx.server.db.query(`UPDATE users SET password_hash = $1 WHERE username = 'olga'`, [weak]);
    const agent = new UserAgent();
    const { page } = await openLoginPage(agent, config);
    for (let i = 0; i < 9; i += 1) expect((await attempt(agent, page, 'olga', 'wrong password')).status).toBe(401);
    const fresh = await openLoginPage(agent, config);
    expect((await attempt(agent, fresh.page, 'olga', PASSWORD)).status).toBe(303);
    const { rows } = await ctx.server.db.query<{ password_hash: string }>(`SELECT password_hash FROM users WHERE username = 'olga'`);
    expect(argon2Parameters(rows[0]!.password_hash)).toEqual({ type: 'argon2id', params: { m: '19456', t: '2', p: '1' } });
    // Ten attempts counted, then reset by the success: the eleventh (from the same address) is not refused.
    const browser = new UserAgent();
    const again = await openLoginPage(browser, config);
    expect((await attempt(browser, again.page, 'olga', 'wrong password')).status).toBe(401);
  });

  it('ignores X-Forwarded-For when LATCHKEY_TRUST_PROXY is unset: the address throttled and audited is the connection\'s', async () => {
    const { users, audit } = ctx.server.latchkey.services;
    const user = await users.create({ username: 'quinn', password: PASSWORD, emailVerified: true });
    const agent = new UserAgent();
    const { page } = await openLoginPage(agent, config);
    const refused = await agent.submit(page, 'form#login-form', { username: 'quinn', password: 'wrong password' }, { 'x-forwarded-for': '203.0.113.9' });
    expect(refused.status).toBe(401);
    const { events } = await audit.query({ subjectId: user.id, type: 'sign_in.password', limit: 5 });
    expect(events.map((event) => event.address)).toEqual([expect.stringMatching(/^(::ffff:)?127\.0\.0\.1$/)]);
  });

  it('sweeps expired provider rows exactly once across concurrent sweepers', async () => {
    await ctx.server.db.query(`INSERT INTO oidc_model (model, id, payload, expires_at)
      SELECT 'Session', 'expired-' || i, '{}', now() - interval '1 minute' FROM generate_series(1, 2500) AS i`);
    const results = await Promise.all([sweepExpired(ctx.server.db), sweepExpired(ctx.server.db)]);
    const deleted = results.reduce<number>((sum, r) => sum + (r ?? 0), 0);
    expect(deleted).toBeGreaterThanOrEqual(2500);
    const { rows } = await ctx.server.db.query<{ n: number }>(`SELECT count(*)::int AS n FROM oidc_model WHERE expires_at < now()`);
    expect(rows[0]!.n).toBe(0);
  });
});

describe(`sign-in throttling behind a trusted proxy (${currentBackend()})`, () => {
  const ctx = useTestServer({ extraEnv: { LATCHKEY_TRUST_PROXY: 'true' } });
  let config: oidc.Configuration;
  beforeAll(async () => {
    const { client } = await seedDirectory(ctx.server.latchkey.services);
    for (const username of ['vera', 'walt', 'xena', 'yuri']) await ctx.server.latchkey.services.users.create({ username, password: PASSWORD, emailVerified: true });
    config = await discover(ctx.server, client);
  });

  it('ignores client-supplied X-Forwarded-For entries left of what the proxy appended', async () => {
    const agent = new UserAgent();
    const { page } = await openLoginPage(agent, config);
    const statuses: number[] = [];
    for (let i = 0; i < 11; i += 1) {
      // The client forges a fresh address each time; the proxy appends the real one on the right.
      const response = await agent.submit(page, 'form#login-form', { username: 'vera', password: 'wrong password' }, { 'x-forwarded-for': `203.0.113.${i}, 198.51.100.7` });
      statuses.push(response.status);
    }
    expect(statuses.slice(0, 10).every((s) => s === 401)).toBe(true);
    expect(statuses[10]).toBe(429);
  });

  it('caps attempts on one account spread over many addresses, and counts IPv6 per /64', async () => {
    const agent = new UserAgent();
    const { page } = await openLoginPage(agent, config);
    const statuses: number[] = [];
    for (let i = 0; i < 51; i += 1) {
      const response = await agent.submit(page, 'form#login-form', { username: 'walt', password: 'wrong password' }, { 'x-forwarded-for': `198.51.${Math.floor(i / 200)}.${i % 200}` });
      statuses.push(response.status);
    }
    expect(statuses.filter((s) => s === 429)).toEqual([429]);
    expect(statuses[50]).toBe(429);

    // Eleven addresses inside one /64 are one address: the 11th attempt on alice is refused.
    const v6: number[] = [];
    for (let i = 1; i <= 11; i += 1) {
      v6.push((await agent.submit(page, 'form#login-form', { username: 'alice', password: 'wrong password' }, { 'x-forwarded-for': `2001:db8:1:2::${i.toString(16)}` })).status);
    }
    expect(v6.slice(0, 10).every((s) => s === 401)).toBe(true);
    expect(v6[10]).toBe(429);
  });

  it('refuses a forwarded address that is not an IP address with a 400 form error, counting nothing', async () => {
    const agent = new UserAgent();
    const { page } = await openLoginPage(agent, config);
    const count = async () => (await ctx.server.db.query<{ n: number }>('SELECT count(*)::int AS n FROM rate_limits')).rows[0]!.n;
    const before = await count();
    for (const forged of ['abc', '1.2.3.4.5', '', '198.51.100.7, ', '[198.51.100.7]:80', '1.2.3.4:99999']) {
      const response = await agent.submit(page, 'form#login-form', { username: 'xena', password: 'wrong password' }, { 'x-forwarded-for': forged });
      expect({ forged, status: response.status }).toEqual({ forged, status: 400 });
      expect(alertText(response.html)).toMatch(/network address could not be determined/);
      expect(response.html).toContain('id="login-form"');
    }
    expect(await count()).toBe(before);
  });

  it('counts a forwarded address with a port in the same bucket as the bare address, for IPv4 and IPv6', async () => {
    const agent = new UserAgent();
    const { page } = await openLoginPage(agent, config);
    const statuses: number[] = [];
    for (let i = 0; i < 11; i += 1) {
      const forwarded = i % 2 === 0 ? `203.0.113.77:${40000 + i}` : '203.0.113.77';
      statuses.push((await agent.submit(page, 'form#login-form', { username: 'yuri', password: 'wrong password' }, { 'x-forwarded-for': forwarded })).status);
    }
    expect(statuses.slice(0, 10).every((s) => s === 401)).toBe(true);
    expect(statuses[10]).toBe(429);

    const v6: number[] = [];
    for (let i = 1; i <= 11; i += 1) {
      const forwarded = i % 2 === 0 ? `[2001:db8:7:7::${i.toString(16)}]:443` : `2001:db8:7:7::${i.toString(16)}`;
      v6.push((await agent.submit(page, 'form#login-form', { username: 'xena', password: 'wrong password' }, { 'x-forwarded-for': forwarded })).status);
    }
    expect(v6.slice(0, 10).every((s) => s === 401)).toBe(true);
    expect(v6[10]).toBe(429);
  });
});
