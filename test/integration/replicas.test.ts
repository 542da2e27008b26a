import { createLocalJWKSet, decodeProtectedHeader, jwtVerify, type JSONWebKeySet } from 'jose';
import * as oidc from 'openid-client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { JOB_NAMES } from '../../src/jobs/latchkey-jobs.js';
import { DEFAULT_LOGIN_LIMITS } from '../../src/interaction/login-throttle.js';
import { createTestDatabase, currentBackend, type TestDatabase } from '../support/backend.js';
import { PASSWORD, REDIRECT_URI, seedDirectory } from '../support/fixtures.js';
import { openLoginPage } from '../support/flows.js';
import { discover } from '../support/harness.js';
import { startTestServer, type TestServer } from '../support/test-server.js';
import { alertText, UserAgent, type PageResponse } from '../support/user-agent.js';

/** How often each replica looks for rotated signing keys here: the smallest the setting takes. */
const KEY_REFRESH_SECONDS = 1;

/**
 * No state in memory: a login started on replica A finishes on replica B, on one Postgres; failed sign-ins
 * on both add up to one lockout; a due job runs on one of them; a key rotated on A signs on B. The embedded
 * database takes exactly one server; a second one on the same data directory must refuse to start.
 */
describe(`two replicas on one database (${currentBackend()})`, () => {
  let database: TestDatabase;
  let a: TestServer;
  let b: TestServer;
  let seeded: Awaited<ReturnType<typeof seedDirectory>>;
  const extraEnv = { LATCHKEY_KEY_REFRESH_SECONDS: String(KEY_REFRESH_SECONDS) };

  beforeAll(async () => {
    database = await createTestDatabase();
    a = await startTestServer({ env: database.env, extraEnv });
    if (currentBackend() === 'postgres') {
      b = await startTestServer({ env: database.env, issuer: a.issuer, extraEnv });
      seeded = await seedDirectory(a.latchkey.services);
    }
  });
  afterAll(async () => {
    await b?.close();
    await a?.close();
    await database?.drop();
  });

  if (currentBackend() === 'embedded') {
    it('refuses a second server on the same embedded data directory, naming the way to scale out', async () => {
      await expect(startTestServer({ env: database.env, issuer: a.issuer })).rejects.toThrow(/already serves .*use DATABASE_URL/);
      // The first server is unaffected.
      expect((await fetch(`${a.url}/readyz`)).status).toBe(200);
    });
    return;
  }

  /** Same issuer, other process, shared database: a URL of A's, sent to B. */
  const onB = (url: string) => url.replace(a.url, b.url);

  it('starts the authorization on A, signs in and consents on B, redeems the code on B', async () => {
    const { client } = seeded;
    const onA = await oidc.discovery(new URL(a.issuer), client.client_id, client.client_secret, undefined, { execute: [oidc.allowInsecureRequests] });
    const verifier = oidc.randomPKCECodeVerifier();
    const authorize = oidc.buildAuthorizationUrl(onA, {
      redirect_uri: REDIRECT_URI, scope: 'openid email', state: 'xyz',
      code_challenge: await oidc.calculatePKCECodeChallenge(verifier), code_challenge_method: 'S256',
    });
    const agent = new UserAgent();
    const toInteraction = await agent.request(authorize.toString());
    expect(toInteraction.status).toBe(303);

    // Every later step goes to B.
    const login = await agent.request(onB(toInteraction.location!));
    expect(login.html).toContain('id="login-form"');
    let step = await agent.submit({ ...login, url: onB(login.url) }, 'form#login-form', { username: 'alice@example.com', password: PASSWORD });
    for (let i = 0; i < 10 && step.location && !step.location.startsWith(REDIRECT_URI); i += 1) {
      step = await agent.request(onB(step.location));
      if (step.html.includes('id="consent-form"')) step = await agent.submit({ ...step, url: onB(step.url) }, 'form#consent-form');
    }
    expect(step.location).toMatch(/^http:\/\/localhost:8976\/callback\?code=/);

    const viaB = new oidc.Configuration({ ...(onA.serverMetadata() as unknown as oidc.ServerMetadata), token_endpoint: `${b.url}/token` }, client.client_id, client.client_secret);
    oidc.allowInsecureRequests(viaB);
    expect(viaB.serverMetadata().token_endpoint).toBe(`${b.url}/token`);
    const tokens = await oidc.authorizationCodeGrant(viaB, new URL(step.location!), { pkceCodeVerifier: verifier, expectedState: 'xyz' });
    expect(tokens.claims()?.email).toBe('alice@example.com');
  });

  it(`adds failed sign-ins on A and B up to one lockout at ${DEFAULT_LOGIN_LIMITS.perAccountAddress}, then both refuse even the right password`, async () => {
    const { perAccountAddress } = DEFAULT_LOGIN_LIMITS;
    await a.latchkey.services.users.create({ username: 'bruno', password: PASSWORD, emailVerified: true });
    const agent = new UserAgent();
    const { page } = await openLoginPage(agent, await discover(a, seeded.client));
    const on = (server: TestServer): PageResponse => (server === a ? page : { ...page, url: onB(page.url) });
    const attempt = (server: TestServer, password: string) => agent.submit(on(server), 'form#login-form', { username: 'bruno', password });
    // Alternating, so each replica sees only half the limit: only a count shared in Postgres reaches it.
    for (let i = 0; i < perAccountAddress; i += 1) expect((await attempt(i % 2 ? b : a, 'wrong password')).status).toBe(401);
    // B has seen five attempts itself, and refuses its sixth; A refuses too.
    for (const server of [b, a]) {
      const refused = await attempt(server, PASSWORD);
      expect(refused.status).toBe(429);
      expect(Number(refused.headers.get('retry-after'))).toBeGreaterThan(0);
      expect(alertText(refused.html)).toMatch(/Too many sign-in attempts/);
    }
    // The attempt that went over the limit (on B) counted the one lockout; A's refusal was not a second.
    const lockouts = async (server: TestServer) => (await server.latchkey.metrics.registry.getSingleMetric('latchkey_lockouts_total')!.get())
      .values.find((value) => value.labels.scope === 'account_address')?.value;
    expect([await lockouts(a), await lockouts(b)]).toEqual([0, 1]);
  });

  it('runs a due job on exactly one replica per period when both tick it at once, and both report its last success', async () => {
    const name = JOB_NAMES.expiryCleanup;
    const interval = a.latchkey.services.jobs.jobs.find((job) => job.name === name)!.intervalSeconds;
    const tickBoth = () => Promise.all([a.latchkey.services.jobs.runIfDue(name), b.latchkey.services.jobs.runIfDue(name)]);
    const record = async () => (await a.db.query<{ runs: number; failures: number; last_succeeded_at: Date | null }>(
      'SELECT runs, failures, last_succeeded_at FROM job_runs WHERE name = $1', [name])).rows[0];
    const expiredLeft = async () => (await a.db.query<{ n: number }>(`SELECT count(*)::int AS n FROM oidc_model WHERE id LIKE 'expired-%'`)).rows[0]!.n;

    for (let period = 1; period <= 3; period += 1) {
      // A period later on the database clock, which the claim reads: the last start moved back by the interval.
      if (period > 1) await a.db.query(`UPDATE job_runs SET last_started_at = last_started_at - $2::int * interval '1 second' WHERE name = $1`, [name, interval]);
      // This period's work: expired provider rows, which the job deletes.
      await a.db.query(`INSERT INTO oidc_model (model, id, payload, expires_at)
        SELECT 'Session', 'expired-' || $1::int || '-' || i, '{}', now() - interval '1 minute' FROM generate_series(1, 20) AS i`, [period]);
      const ran = (await tickBoth()).filter((outcome) => outcome.ran);
      expect(ran).toHaveLength(1);
      expect(ran[0]).toMatchObject({ ok: true, rows: expect.any(Number) as number });
      expect((ran[0] as { rows: number }).rows).toBeGreaterThanOrEqual(20);
      expect(await expiredLeft()).toBe(0);
      expect(await record()).toMatchObject({ runs: period, failures: 0 });
      // Later ticks in the same period, on either replica, find it done.
      expect(await tickBoth()).toEqual([{ ran: false }, { ran: false }]);
    }

    const { last_succeeded_at: last } = (await record())!;
    expect(last).toBeInstanceOf(Date);
    const [fromA, fromB] = await Promise.all([a.latchkey.services.jobs.status(), b.latchkey.services.jobs.status()]);
    expect(fromA.find((status) => status.name === name)!.lastSucceededAt).toEqual(last);
    expect(fromB.find((status) => status.name === name)!.lastSucceededAt).toEqual(last);
  });

  it(`signs on B with a key rotated on A within the refresh interval (${KEY_REFRESH_SECONDS} s, plus slack), both JWKS list it, and B's verifies A's tokens`, async () => {
    const worker = await a.latchkey.services.clients.create({ name: 'Worker', grantTypes: ['client_credentials'], scope: 'jobs:run' });
    const basic = `Basic ${Buffer.from(`${worker.client_id}:${worker.client_secret}`).toString('base64')}`;
    const accessToken = async (server: TestServer) => {
      const response = await fetch(`${server.url}/token`, { method: 'POST', headers: { authorization: basic, 'content-type': 'application/x-www-form-urlencoded' }, body: 'grant_type=client_credentials&scope=jobs:run' });
      expect(response.status).toBe(200);
      return ((await response.json()) as { access_token: string }).access_token;
    };
    const kidOf = (jwt: string) => decodeProtectedHeader(jwt).kid;
    const jwks = async (server: TestServer) => (await (await fetch(`${server.url}/jwks`)).json()) as JSONWebKeySet;
    const kids = async (server: TestServer) => (await jwks(server)).keys.map((key) => key.kid);
    // Each replica polls every KEY_REFRESH_SECONDS; the slack covers a rebuild on a busy machine.
    const withinRefresh = { timeout: KEY_REFRESH_SECONDS * 1000 + 4000, interval: 100 };

    const before = kidOf(await accessToken(b));
    const { kid } = await a.latchkey.services.keys.rotate();
    expect(kid).not.toBe(before);
    await expect.poll(async () => kidOf(await accessToken(b)), withinRefresh).toBe(kid);
    expect(await kids(b)).toContain(kid);
    await expect.poll(() => kids(a), withinRefresh).toContain(kid);
    // The retired key stays published on both, for the tokens it signed.
    for (const server of [a, b]) expect(await kids(server)).toContain(before);

    await expect.poll(async () => kidOf(await accessToken(a)), withinRefresh).toBe(kid);
    const fromA = await accessToken(a);
    const { payload, protectedHeader } = await jwtVerify(fromA, createLocalJWKSet(await jwks(b)), { issuer: a.issuer, typ: 'at+jwt' });
    expect(protectedHeader.kid).toBe(kid);
    expect(payload).toMatchObject({ client_id: worker.client_id, scope: 'jobs:run' });
  });
});
