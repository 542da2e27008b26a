import { parse } from 'node-html-parser';
import * as oidc from 'openid-client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createMigratedTestDatabase, currentBackend, type TestDatabase } from '../support/backend.js';
import { PASSWORD, REDIRECT_URI } from '../support/fixtures.js';
import { openLoginPage, signInToCallback } from '../support/flows.js';
import { discover } from '../support/harness.js';
import { startSmtpCapture, type SmtpCapture } from '../support/smtp-capture.js';
import { startTestServer, type TestServer } from '../support/test-server.js';
import { alertText, UserAgent, type PageResponse } from '../support/user-agent.js';

const NEW_PASSWORD = 'a brand new passphrase for bea';

/**
 * Self-service accounts through the hosted UI with mail delivered over real SMTP: sign-up → the mailed code
 * → verification finishing the app's sign-in; an unconfirmed account sent to verification; the mailed
 * link; forgot and reset password, answering alike for unknown accounts and signing the user out everywhere.
 */
describe(`self-service accounts (${currentBackend()})`, () => {
  let database: TestDatabase;
  let smtp: SmtpCapture;
  let server: TestServer;
  let app: oidc.Configuration;

  beforeAll(async () => {
    database = await createMigratedTestDatabase();
    smtp = await startSmtpCapture();
    server = await startTestServer({ env: database.env, extraEnv: { SMTP_URL: smtp.url } });
    app = await discover(server, await server.latchkey.services.clients.create({ name: 'Shop', redirectUris: [REDIRECT_URI], firstParty: true }));
  });
  afterAll(async () => {
    await server?.close();
    await smtp?.stop();
    await database?.drop();
  });

  const codeIn = (text: string) => /\b(\d{6})\b/.exec(text)?.[1];
  const counts = async () => (await server.db.query<{ n: number }>('SELECT count(*)::int AS n FROM users')).rows[0]!.n;

  async function openSignup(agent: UserAgent, extra: Record<string, string> = {}): Promise<{ page: PageResponse; verifier: string }> {
    const { page: login, verifier } = await openLoginPage(agent, app, extra);
    const href = parse(login.html).querySelector('a#signup-link')?.getAttribute('href');
    expect(href).toBeDefined();
    return { page: await agent.navigate(new URL(href!, login.url).toString()), verifier };
  }

  it('signs up, verifies the mailed code and lands back in the app signed in, the ID token carrying the profile', async () => {
    const agent = new UserAgent();
    const { page, verifier } = await openSignup(agent, { scope: 'openid email profile' });
    // Every password rule is on the form before anything is submitted.
    expect(parse(page.html).querySelectorAll('#password-rules li').length).toBeGreaterThan(0);
    const submitted = await agent.submit(page, 'form#signup-form', { email: 'Ada@Example.com', password: PASSWORD, given_name: 'Ada', family_name: 'Lovelace' });
    expect(submitted.location).toMatch(/\/interaction\/[^/]+\/verify$/);
    const mail = await smtp.waitFor('Ada@Example.com');
    const code = codeIn(mail.text);
    expect(code).toBeDefined();
    expect(mail.html).toContain(code);
    const verifyPage = await agent.navigate(submitted.location!);
    const landed = await agent.follow(await agent.submit(verifyPage, 'form#verify-form', { code: code! }), REDIRECT_URI);
    expect(landed.location).toMatch(/^http:\/\/localhost:8976\/callback\?code=/);
    const tokens = await oidc.authorizationCodeGrant(app, new URL(landed.location!), { pkceCodeVerifier: verifier });
    const claims = tokens.claims()!;
    expect(claims).toMatchObject({ email: 'Ada@Example.com', email_verified: true, amr: ['pwd'], given_name: 'Ada', family_name: 'Lovelace' });
    const userinfo = await oidc.fetchUserInfo(app, tokens.access_token, claims.sub);
    expect(userinfo).toMatchObject({ email: 'Ada@Example.com' });
    expect(await server.latchkey.services.users.findById(claims.sub)).toMatchObject({ status: 'confirmed', email_verified: true, profile: { given_name: 'Ada', family_name: 'Lovelace' } });
  });

  it('sends a new account to MFA enrolment after verification when the pool requires MFA, instead of straight to the app', async () => {
    const { mfa } = server.latchkey.services;
    await mfa.setMode('required');
    try {
      const agent = new UserAgent();
      const { page } = await openSignup(agent);
      const submitted = await agent.submit(page, 'form#signup-form', { email: 'mira@example.com', password: PASSWORD });
      const code = codeIn((await smtp.waitFor('mira@example.com')).text)!;
      const verified = await agent.submit(await agent.navigate(submitted.location!), 'form#verify-form', { code });
      expect(verified.status).toBe(303);
      expect(verified.location).toMatch(/\/interaction\/[^/]+\/mfa\/enrol$/);
      expect(verified.location).not.toContain('localhost:8976');
    } finally {
      await mfa.setMode('optional');
    }
  });

  it('refuses a weak password and a missing address field by field, creating nobody', async () => {
    const before = await counts();
    const agent = new UserAgent();
    const { page } = await openSignup(agent);
    const weak = await agent.submit(page, 'form#signup-form', { email: 'weak@example.com', password: 'password123' });
    expect(weak.status).toBe(400);
    expect(parse(weak.html).querySelector('#password-error')?.text).toBeTruthy();
    expect(parse(weak.html).querySelector('#password')?.getAttribute('aria-invalid')).toBe('true');
    const missing = await agent.submit(page, 'form#signup-form', { email: '', password: PASSWORD });
    expect(missing.status).toBe(400);
    expect(parse(missing.html).querySelector('#email-error')?.text).toContain('e-mail');
    const oversized = await agent.submit(page, 'form#signup-form', { email: `${'a'.repeat(300)}@example.com`, password: PASSWORD });
    expect(oversized.status).toBe(400);
    const forged = await agent.submit(page, 'form#signup-form', { email: 'csrf@example.com', password: PASSWORD, csrf: 'forged' });
    expect(forged.status).toBe(403);
    expect(await counts()).toBe(before);
  });

  it('answers a sign-up with an address that has an account exactly like a new one, mailing nobody a code', async () => {
    await server.latchkey.services.users.create({ email: 'taken@example.com', password: PASSWORD, emailVerified: true });
    const before = await counts();
    const agent = new UserAgent();
    const { page } = await openSignup(agent);
    const submitted = await agent.submit(page, 'form#signup-form', { email: 'taken@example.com', password: PASSWORD });
    expect(submitted.status).toBe(303);
    expect(submitted.location).toMatch(/\/verify$/);
    const verifyPage = await agent.navigate(submitted.location!);
    expect(verifyPage.status).toBe(200);
    const wrong = await agent.submit(verifyPage, 'form#verify-form', { code: '123456' });
    expect(wrong.status).toBe(400);
    expect(await counts()).toBe(before);
    await expect(smtp.waitFor('taken@example.com', undefined, 500)).rejects.toThrow();
  });

  it('sends an unconfirmed account that proved its password to verification, which finishes the sign-in', async () => {
    const user = await server.latchkey.services.users.create({ email: 'una@example.com', password: PASSWORD, status: 'unconfirmed' });
    const agent = new UserAgent();
    const { page, verifier } = await openLoginPage(agent, app);
    const wrong = await agent.submit(page, 'form#login-form', { username: 'una@example.com', password: 'not the password at all' });
    expect(wrong.status).toBe(401);
    const submitted = await agent.submit(page, 'form#login-form', { username: 'una@example.com', password: PASSWORD });
    expect(submitted.location).toMatch(/\/verify$/);
    const code = codeIn((await smtp.waitFor('una@example.com')).text)!;
    const landed = await agent.follow(await agent.submit(await agent.navigate(submitted.location!), 'form#verify-form', { code }), REDIRECT_URI);
    const tokens = await oidc.authorizationCodeGrant(app, new URL(landed.location!), { pkceCodeVerifier: verifier });
    expect(tokens.claims()!.sub).toBe(user.id);
  });

  it('verifies through the mailed link only on the button\'s POST (a link scanner\'s GET spends nothing)', async () => {
    const agent = new UserAgent();
    const { page } = await openSignup(agent);
    await agent.submit(page, 'form#signup-form', { email: 'linda@example.com', password: PASSWORD });
    const mail = await smtp.waitFor('linda@example.com');
    const link = /(http:\/\/127\.0\.0\.1:\d+\/verify-email\?[^\s"<]+)/.exec(mail.text)?.[1];
    expect(link).toBeDefined();
    const other = new UserAgent();
    const shown = await other.navigate(link!.replaceAll('&amp;', '&'));
    expect(shown.status).toBe(200);
    expect((await server.latchkey.services.users.resolve('linda@example.com')).status).toBe('unconfirmed');
    const done = await other.submit(shown, 'form#verify-link-form');
    expect(done.status).toBe(200);
    expect(parse(done.html).querySelector('[role="status"]')?.text).toContain('verified');
    expect(await server.latchkey.services.users.resolve('linda@example.com')).toMatchObject({ status: 'confirmed', email_verified: true });
    const again = await other.submit(shown, 'form#verify-link-form');
    expect(again.status).toBe(400);
  });

  it('lets exactly one of two concurrent submissions of the same code verify', async () => {
    const agent = new UserAgent();
    const { page } = await openSignup(agent);
    const submitted = await agent.submit(page, 'form#signup-form', { email: 'race@example.com', password: PASSWORD });
    const code = codeIn((await smtp.waitFor('race@example.com')).text)!;
    const verifyPage = await agent.navigate(submitted.location!);
    const results = await Promise.all([0, 1].map(() => agent.submit(verifyPage, 'form#verify-form', { code })));
    expect(results.map((r) => r.status).sort()).toEqual([303, 400]);
  });

  it('resets a forgotten password with the mailed code, ending every session and refresh token; an unknown account answers alike', async () => {
    const user = await server.latchkey.services.users.create({ email: 'bea@example.com', username: 'bea', password: PASSWORD, emailVerified: true });
    const before = new UserAgent();
    const { page: first, verifier } = await openLoginPage(before, app);
    const tokens = await oidc.authorizationCodeGrant(app, new URL(await signInToCallback(before, first, 'bea', PASSWORD)), { pkceCodeVerifier: verifier });
    expect(tokens.refresh_token).toBeDefined();

    async function forgot(identifier: string): Promise<{ agent: UserAgent; answer: PageResponse }> {
      const agent = new UserAgent();
      const { page } = await openLoginPage(agent, app);
      const forgotPage = await agent.navigate(new URL(parse(page.html).querySelector('a#forgot-password-link')!.getAttribute('href')!, page.url).toString());
      const submitted = await agent.submit(forgotPage, 'form#forgot-form', { username: identifier });
      return { agent, answer: await agent.follow(submitted) };
    }
    const unknown = await forgot('nobody-here@example.com');
    const known = await forgot('bea');
    expect(unknown.answer.status).toBe(known.answer.status);
    const strip = (html: string) => html.replace(/\/interaction\/[^/"]+/g, '').replace(/name="csrf" value="[^"]+"/g, '');
    expect(strip(unknown.answer.html)).toBe(strip(known.answer.html));
    await expect(smtp.waitFor('nobody-here@example.com', undefined, 500)).rejects.toThrow();

    const code = codeIn((await smtp.waitFor('bea@example.com', (m) => m.subject.toLowerCase().includes('reset'))).text)!;
    const wrongCode = await known.agent.submit(known.answer, 'form#reset-form', { code: code === '000000' ? '111111' : '000000', password: NEW_PASSWORD });
    expect(wrongCode.status).toBe(400);
    expect(alertText(wrongCode.html)).toContain('not right');
    const done = await known.agent.submit(known.answer, 'form#reset-form', { code, password: NEW_PASSWORD });
    expect(done.location).toMatch(/\?notice=password_reset$/);
    expect(parse((await known.agent.navigate(done.location!)).html).querySelector('[role="status"]')?.text).toContain('password was changed');
    await smtp.waitFor('bea@example.com', (m) => m.subject.toLowerCase().includes('changed'));

    // The old refresh token and the old browser session are gone; the new password signs in.
    await expect(oidc.refreshTokenGrant(app, tokens.refresh_token!)).rejects.toMatchObject({ error: 'invalid_grant' });
    // The browser that was signed in sees the sign-in form again instead of going straight to the app.
    await openLoginPage(before, app);
    const agent = new UserAgent();
    const { page: loginPage, verifier: newVerifier } = await openLoginPage(agent, app);
    const signedIn = await oidc.authorizationCodeGrant(app, new URL(await signInToCallback(agent, loginPage, 'bea', NEW_PASSWORD)), { pkceCodeVerifier: newVerifier });
    expect(signedIn.claims()!.sub).toBe(user.id);
    // The reset step is spent: the same form again goes back to asking for a code.
    const replay = await known.agent.submit(known.answer, 'form#reset-form', { code, password: 'yet another long passphrase' });
    expect(replay.status).toBe(303);
    expect(replay.location).toMatch(/\/forgot$/);
    expect((await server.latchkey.services.users.findById(user.id))!.status).toBe('confirmed');
  });

  it('offers no sign-up when the pool closes it or the app opts out, and refuses the form then', async () => {
    const closedApp = await discover(server, await server.latchkey.services.clients.create({ name: 'Internal', redirectUris: [REDIRECT_URI], firstParty: true, signup: false }));
    const agent = new UserAgent();
    const { page } = await openLoginPage(agent, closedApp);
    expect(parse(page.html).querySelector('a#signup-link')).toBeNull();
    expect(parse(page.html).querySelector('a#forgot-password-link')).not.toBeNull();
    const uid = /\/interaction\/([^/]+)\/login/.exec(page.html)![1]!;
    const refused = await agent.request(`${server.issuer}/interaction/${uid}/signup`);
    expect(refused.status).toBe(403);

    await server.latchkey.services.userPool.setSignup({ enabled: false });
    try {
      const { page: poolClosed } = await openLoginPage(new UserAgent(), app);
      expect(parse(poolClosed.html).querySelector('a#signup-link')).toBeNull();
    } finally {
      await server.latchkey.services.userPool.setSignup({ enabled: true });
    }
  });
});
