import { performance } from 'node:perf_hooks';
import { parse } from 'node-html-parser';
import type * as oidc from 'openid-client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEFAULT_LOGIN_LIMITS } from '../../src/interaction/login-throttle.js';
import { createMigratedTestDatabase, currentBackend, type TestDatabase } from '../support/backend.js';
import { PASSWORD, REDIRECT_URI } from '../support/fixtures.js';
import { openLoginPage } from '../support/flows.js';
import { discover } from '../support/harness.js';
import { startSmtpCapture, type SmtpCapture } from '../support/smtp-capture.js';
import { startTestServer, type TestServer } from '../support/test-server.js';
import { alertText, UserAgent, type PageResponse } from '../support/user-agent.js';

const NEW_PASSWORD = 'a brand new passphrase nobody guesses';

/**
 * Abuse of the self-service pages: telling who has an account (by body or by time), guessing codes (the
 * sign-in throttle, then each code's own five attempts), mail-bombing (resend cool-down, one reset mail a
 * minute and five an hour), and using one account's code or cookie for another. Mail goes over real SMTP.
 * Counters are windows in the database clock, so a test ends a window by moving its start back in time.
 */
describe(`self-service abuse (${currentBackend()})`, () => {
  let database: TestDatabase;
  let smtp: SmtpCapture;
  let server: TestServer;
  let app: oidc.Configuration;

  beforeAll(async () => {
    database = await createMigratedTestDatabase();
    smtp = await startSmtpCapture();
    // Behind a trusted proxy each test picks its client's address, so tests do not share per-address counts.
    server = await startTestServer({ env: database.env, extraEnv: { SMTP_URL: smtp.url, LATCHKEY_TRUST_PROXY: 'true' } });
    app = await discover(server, await server.latchkey.services.clients.create({ name: 'Shop', redirectUris: [REDIRECT_URI], firstParty: true }));
  });
  afterAll(async () => {
    await server?.close();
    await smtp?.stop();
    await database?.drop();
  });

  let addresses = 0;
  /** A client address no other request of this file used. */
  const freshAddress = () => {
    addresses += 1;
    return { 'x-forwarded-for': `10.${(addresses >> 16) & 255}.${(addresses >> 8) & 255}.${addresses & 255}` };
  };
  const codeIn = (text: string) => /\b(\d{6})\b/.exec(text)?.[1];
  const wrongCode = (code: string) => (code === '000000' ? '111111' : '000000');
  /** Per-request values (the interaction's uid, its CSRF token) taken out, so pages can be compared. */
  const strip = (html: string) => html.replace(/\/interaction\/[^/"?\s]+/g, '/interaction/…').replace(/name="csrf" value="[^"]+"/g, 'name="csrf"');
  const mailsTo = (to: string) => smtp.messages.filter((m) => m.to.some((r) => r.toLowerCase() === to.toLowerCase())).length;
  const settle = () => new Promise((resolve) => setTimeout(resolve, 750));
  /** Ends the current window of the counters whose key starts with `prefix` (database clock, as they count). */
  const endWindow = (prefix: string, seconds: number) =>
    server.db.query(`UPDATE rate_limits SET window_start = window_start - $2::int * interval '1 second' WHERE key LIKE $1`, [`${prefix}%`, seconds + 1]);

  async function linkedPage(agent: UserAgent, link: 'a#signup-link' | 'a#forgot-password-link'): Promise<PageResponse> {
    const { page } = await openLoginPage(agent, app);
    return agent.navigate(new URL(parse(page.html).querySelector(link)!.getAttribute('href')!, page.url).toString());
  }

  /** Signs up `email` and returns the browser on the verification page, with the mailed code. */
  async function signUp(email: string): Promise<{ agent: UserAgent; page: PageResponse; code: string; userId: string }> {
    const agent = new UserAgent();
    const submitted = await agent.submit(await linkedPage(agent, 'a#signup-link'), 'form#signup-form', { email, password: PASSWORD }, freshAddress());
    expect(submitted.status).toBe(303);
    const code = codeIn((await smtp.waitFor(email)).text)!;
    const { id } = await server.latchkey.services.users.resolve(email);
    return { agent, page: await agent.navigate(submitted.location!), code, userId: id };
  }

  /** Asks for a reset code for `identifier` and returns the browser on the reset page. */
  async function forgot(identifier: string): Promise<{ agent: UserAgent; page: PageResponse }> {
    const agent = new UserAgent();
    const submitted = await agent.submit(await linkedPage(agent, 'a#forgot-password-link'), 'form#forgot-form', { username: identifier }, freshAddress());
    return { agent, page: await agent.follow(submitted) };
  }

  const median = (values: number[]) => {
    const sorted = [...values].sort((a, b) => a - b);
    const mid = sorted.length >> 1;
    return sorted.length % 2 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
  };

  /**
   * Times `rounds` alternating submissions of two forms (after one unmeasured warm-up each) and returns the
   * median of each. Alternating spreads drift (JIT, GC, the database's caches) over both sides alike.
   */
  async function medians(a: () => Promise<PageResponse>, b: () => Promise<PageResponse>, rounds = 15): Promise<{ a: number; b: number; statuses: Set<number> }> {
    await a();
    await b();
    const times = { a: [] as number[], b: [] as number[] };
    const statuses = new Set<number>();
    for (let i = 0; i < rounds; i += 1) {
      for (const [side, submit] of [['a', a], ['b', b]] as const) {
        const started = performance.now();
        statuses.add((await submit()).status);
        times[side].push(performance.now() - started);
      }
    }
    return { a: median(times.a), b: median(times.b), statuses };
  }

  /**
   * The timing bound. Both answers do the same database work on purpose, and a sign-up hashes the password
   * with argon2id either way, so a real difference is a missing step (an argon2 hash is tens of
   * milliseconds; a skipped query a few). Medians of 15 discard the outliers of a shared CI machine, and the
   * bound (40 % of the slower median, at least 50 ms) is wide enough for scheduling noise while a skipped
   * argon2 hash on one side still exceeds it.
   */
  const expectIndistinguishable = ({ a, b }: { a: number; b: number }) => {
    expect(Math.abs(a - b), `medians ${a.toFixed(1)} ms vs ${b.toFixed(1)} ms`).toBeLessThan(Math.max(0.4 * Math.max(a, b), 50));
  };

  it('answers forgot-password for an existing and an unknown account with the same status, the same page and the same time', async () => {
    await server.latchkey.services.users.create({ email: 'erin@example.com', username: 'erin', password: PASSWORD, emailVerified: true });
    const known = await forgot('erin');
    const unknown = await forgot('nobody-at-all');
    expect(unknown.page.status).toBe(known.page.status);
    expect(strip(unknown.page.html)).toBe(strip(known.page.html));

    const [knownAgent, unknownAgent] = [new UserAgent(), new UserAgent()];
    const knownForm = await linkedPage(knownAgent, 'a#forgot-password-link');
    const unknownForm = await linkedPage(unknownAgent, 'a#forgot-password-link');
    const timed = await medians(
      () => knownAgent.submit(knownForm, 'form#forgot-form', { username: 'erin' }, freshAddress()),
      () => unknownAgent.submit(unknownForm, 'form#forgot-form', { username: 'nobody-at-all' }, freshAddress()),
    );
    expect([...timed.statuses]).toEqual([303]);
    expectIndistinguishable(timed);
  });

  it('answers sign-up with an address that has an account and with a new one with the same status, the same page and the same time', async () => {
    await server.latchkey.services.users.create({ email: 'kept@example.com', password: PASSWORD, emailVerified: true });
    const existing = new UserAgent();
    const fresh = new UserAgent();
    const existingForm = await linkedPage(existing, 'a#signup-link');
    const freshForm = await linkedPage(fresh, 'a#signup-link');
    const first = await existing.submit(existingForm, 'form#signup-form', { email: 'kept@example.com', password: PASSWORD }, freshAddress());
    const second = await fresh.submit(freshForm, 'form#signup-form', { email: 'newcomer@example.com', password: PASSWORD }, freshAddress());
    expect(first.status).toBe(second.status);
    expect(strip(first.html)).toBe(strip(second.html));
    expect(strip((await existing.follow(first)).html)).toBe(strip((await fresh.follow(second)).html));

    let n = 0;
    const timed = await medians(
      () => existing.submit(existingForm, 'form#signup-form', { email: 'kept@example.com', password: PASSWORD }, freshAddress()),
      () => fresh.submit(freshForm, 'form#signup-form', { email: `newcomer-${(n += 1)}@example.com`, password: PASSWORD }, freshAddress()),
    );
    expect([...timed.statuses]).toEqual([303]);
    expectIndistinguishable(timed);
  });

  it(`refuses the ${DEFAULT_LOGIN_LIMITS.perAccountAddress + 1}th verification code from one address with 429, Retry-After and an alert, and takes codes again after the window`, async () => {
    const { agent, page } = await signUp('guesser@example.com');
    const from = freshAddress();
    for (let i = 0; i < DEFAULT_LOGIN_LIMITS.perAccountAddress; i += 1) {
      expect((await agent.submit(page, 'form#verify-form', { code: String(100000 + i) }, from)).status).toBe(400);
    }
    const blocked = await agent.submit(page, 'form#verify-form', { code: '123456' }, from);
    expect(blocked.status).toBe(429);
    expect(Number(blocked.headers.get('retry-after'))).toBeGreaterThan(0);
    expect(Number(blocked.headers.get('retry-after'))).toBeLessThanOrEqual(DEFAULT_LOGIN_LIMITS.windowSeconds);
    expect(alertText(blocked.html)).toMatch(/Too many sign-in attempts/);

    await endWindow('login:', DEFAULT_LOGIN_LIMITS.windowSeconds);
    const released = await agent.submit(page, 'form#verify-form', { code: '123456' }, from);
    expect(released.status).toBe(400);
    // Past the throttle, the code itself is spent by the earlier guesses.
    expect(alertText(released.html)).toMatch(/Too many wrong codes/);
  });

  it(`refuses the ${DEFAULT_LOGIN_LIMITS.perAccountAddress + 1}th reset code from one address with 429, Retry-After and an alert, and takes codes again after the window`, async () => {
    await server.latchkey.services.users.create({ email: 'rhea@example.com', username: 'rhea', password: PASSWORD, emailVerified: true });
    const { agent, page } = await forgot('rhea');
    await smtp.waitFor('rhea@example.com');
    const from = freshAddress();
    for (let i = 0; i < DEFAULT_LOGIN_LIMITS.perAccountAddress; i += 1) {
      expect((await agent.submit(page, 'form#reset-form', { code: String(100000 + i), password: NEW_PASSWORD }, from)).status).toBe(400);
    }
    const blocked = await agent.submit(page, 'form#reset-form', { code: '123456', password: NEW_PASSWORD }, from);
    expect(blocked.status).toBe(429);
    expect(Number(blocked.headers.get('retry-after'))).toBeGreaterThan(0);
    expect(alertText(blocked.html)).toMatch(/Too many sign-in attempts/);

    await endWindow('login:', DEFAULT_LOGIN_LIMITS.windowSeconds);
    const released = await agent.submit(page, 'form#reset-form', { code: '123456', password: NEW_PASSWORD }, from);
    expect(released.status).toBe(400);
    expect(alertText(released.html)).toMatch(/Too many wrong codes/);
  });

  it('continues a reset asked for a username in another script or with cookie-unsafe characters to the reset page (no 500)', async () => {
    await server.latchkey.services.users.create({ email: 'dasha@example.com', username: 'даша', password: PASSWORD, emailVerified: true });
    for (const identifier of ['даша', '가𝐚.', 'semi;colon "quoted", ok']) {
      const { page } = await forgot(identifier);
      expect({ identifier, status: page.status }).toEqual({ identifier, status: 200 });
      expect(page.html).toContain('id="reset-form"');
    }
    await smtp.waitFor('dasha@example.com');
  });

  it('refuses the right verification code after five wrong ones, leaving the account unconfirmed', async () => {
    const { agent, page, code, userId } = await signUp('fumbler@example.com');
    for (let i = 0; i < 5; i += 1) {
      const wrong = await agent.submit(page, 'form#verify-form', { code: wrongCode(code) });
      expect(alertText(wrong.html)).toMatch(/not right/);
    }
    const sixth = await agent.submit(page, 'form#verify-form', { code });
    expect(sixth.status).toBe(400);
    expect(alertText(sixth.html)).toMatch(/Too many wrong codes/);
    expect(await server.latchkey.services.users.findById(userId)).toMatchObject({ status: 'unconfirmed', email_verified: false });
  });

  it('refuses the right reset code after five wrong ones, leaving the password as it was', async () => {
    const user = await server.latchkey.services.users.create({ email: 'fern@example.com', username: 'fern', password: PASSWORD, emailVerified: true });
    const hash = async () => (await server.db.query<{ password_hash: string }>('SELECT password_hash FROM users WHERE id = $1', [user.id])).rows[0]!.password_hash;
    const before = await hash();
    const { agent, page } = await forgot('fern');
    const code = codeIn((await smtp.waitFor('fern@example.com')).text)!;
    for (let i = 0; i < 5; i += 1) expect((await agent.submit(page, 'form#reset-form', { code: wrongCode(code), password: NEW_PASSWORD })).status).toBe(400);
    const sixth = await agent.submit(page, 'form#reset-form', { code, password: NEW_PASSWORD });
    expect(sixth.status).toBe(400);
    expect(alertText(sixth.html)).toMatch(/Too many wrong codes/);
    expect(await hash()).toBe(before);
  });

  it('answers a second resend within the minute with 429 and Retry-After, mailing nothing; after the minute it mails a new code', async () => {
    const { agent, page } = await signUp('impatient@example.com');
    const again = await agent.submit(page, 'form#resend-form');
    expect(again.status).toBe(429);
    const retryAfter = Number(again.headers.get('retry-after'));
    expect(retryAfter).toBeGreaterThan(0);
    expect(retryAfter).toBeLessThanOrEqual(60);
    expect(alertText(again.html)).toMatch(/ask for another in \d+ seconds/);
    await settle();
    expect(mailsTo('impatient@example.com')).toBe(1);

    await endWindow('mail:email_verification:minute:', 60);
    const later = await agent.submit(page, 'form#resend-form');
    expect(later.status).toBe(200);
    await smtp.waitFor('impatient@example.com');
    expect(mailsTo('impatient@example.com')).toBe(2);
  });

  it('mails one reset code for ten requests within a minute, and no more than five within an hour', async () => {
    await server.latchkey.services.users.create({ email: 'target@example.com', username: 'target', password: PASSWORD, emailVerified: true });
    const agent = new UserAgent();
    const page = await linkedPage(agent, 'a#forgot-password-link');
    const ask = () => agent.submit(page, 'form#forgot-form', { username: 'target' }, freshAddress());
    for (let i = 0; i < 10; i += 1) expect((await ask()).status).toBe(303);
    await smtp.waitFor('target@example.com');
    await settle();
    expect(mailsTo('target@example.com')).toBe(1);

    // Every request a minute after the last: the hourly limit is what stops them now.
    for (let i = 0; i < 10; i += 1) {
      await endWindow('mail:password_reset:minute:', 60);
      expect((await ask()).status).toBe(303);
    }
    await settle();
    expect(mailsTo('target@example.com')).toBe(5);
  });

  it('verifies no account with another account\'s code, a forged pending-step cookie, or another sign-in\'s genuine one', async () => {
    const ann = await signUp('ann@example.com');
    const ben = await signUp('ben@example.com');
    const confirmed = async (id: string) => (await server.latchkey.services.users.findById(id))!.status === 'confirmed';

    // Ann's code in Ben's sign-in: a wrong code for Ben.
    const crossed = await ben.agent.submit(ben.page, 'form#verify-form', { code: ann.code });
    expect(crossed.status).toBe(400);
    expect(alertText(crossed.html)).toMatch(/not right/);

    // Ben's cookie rewritten to name Ann (its signature no longer matches): ignored, back to the sign-in page.
    const benUrl = new URL(ben.page.url);
    const benUid = /\/interaction\/([^/]+)\//.exec(benUrl.pathname)![1]!;
    const forged = Buffer.from(JSON.stringify({ uid: benUid, kind: 'verify', subject: ann.userId }), 'utf8').toString('base64url');
    await ben.agent.jar.setCookie(`lk_pending=${forged}; Path=/interaction/${benUid}; HttpOnly`, benUrl.toString());
    const tampered = await ben.agent.submit(ben.page, 'form#verify-form', { code: ann.code });
    expect(tampered.status).toBe(303);
    expect(tampered.location).toBe(new URL(`/interaction/${benUid}`, benUrl).toString());

    // Ann's genuine, signed cookie carried into another sign-in: bound to Ann's interaction, so ignored there.
    const annUrl = new URL(ann.page.url).toString();
    const stolen = (await ann.agent.jar.getCookies(annUrl)).filter((c) => c.key.startsWith('lk_pending'));
    expect(stolen).toHaveLength(2);
    const thief = new UserAgent();
    const { page: thiefLogin } = await openLoginPage(thief, app);
    const thiefUid = /\/interaction\/([^/]+)\//.exec(parse(thiefLogin.html).querySelector('form#login-form')!.getAttribute('action')!)![1]!;
    const thiefUrl = new URL(`/interaction/${thiefUid}/verify`, server.issuer).toString();
    for (const cookie of stolen) await thief.jar.setCookie(`${cookie.key}=${cookie.value}; Path=/interaction/${thiefUid}`, thiefUrl);
    const replayed = await thief.navigate(thiefUrl);
    expect(replayed.html).toContain('id="login-form"');
    expect(replayed.html).not.toContain('id="verify-form"');
    expect(await confirmed(ann.userId)).toBe(false);

    // Nothing above spent Ann's code: in her own sign-in it still verifies and finishes it.
    const landed = await ann.agent.follow(await ann.agent.submit(ann.page, 'form#verify-form', { code: ann.code }), REDIRECT_URI);
    expect(landed.location).toMatch(/^http:\/\/localhost:8976\/callback\?code=/);
    expect(await confirmed(ann.userId)).toBe(true);
    expect(await confirmed(ben.userId)).toBe(false);
  });
});
