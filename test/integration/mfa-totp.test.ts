import * as oidc from 'openid-client';
import { parse } from 'node-html-parser';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { currentBackend } from '../support/backend.js';
import { createTestClock } from '../support/clock.js';
import { openLoginPage } from '../support/flows.js';
import { PASSWORD, REDIRECT_URI } from '../support/fixtures.js';
import { discover, useTestServer } from '../support/harness.js';
import { authenticatorCode, startNextStep, wrongCode } from '../support/totp.js';
import { alertText, UserAgent, type PageResponse } from '../support/user-agent.js';

/**
 * Two-step verification with an authenticator app (TOTP) and recovery codes: enrolment on the account page,
 * the code step of a sign-in and the `amr` it produces, replayed and wrong codes, single-use recovery codes,
 * enrolment forced by a group's requirement, and an operator's reset. Time moves by the injected clock.
 */
describe(`MFA with TOTP (${currentBackend()})`, () => {
  const clock = createTestClock();
  const ctx = useTestServer({ clock });
  let app: oidc.Configuration;

  beforeAll(async () => {
    const client = await ctx.server.latchkey.services.clients.create({ name: 'MFA App', redirectUris: [REDIRECT_URI] });
    app = await discover(ctx.server, client);
  });
  afterAll(() => clock.reset());

  const url = (path: string) => `${ctx.server.issuer}${path}`;
  const services = () => ctx.server.latchkey.services;
  const createUser = (username: string, groups: string[] = []) =>
    services().users.create({ username, email: `${username}@example.com`, emailVerified: true, password: PASSWORD, groups });

  /** Signs in to /account with the password (no second factor yet) and returns the account page. */
  async function signInToAccount(agent: UserAgent, username: string): Promise<PageResponse> {
    const login = await agent.navigate(url('/account'));
    const page = await agent.follow(await agent.submit(login, 'form#login-form', { username, password: PASSWORD }));
    expect(page.url).toBe(url('/account'));
    return page;
  }

  /** Enrols an authenticator from the account page; returns the secret as shown and the recovery codes. */
  async function enrolOnAccountPage(username: string): Promise<{ secret: string; recoveryCodes: string[] }> {
    const agent = new UserAgent();
    const account = await signInToAccount(agent, username);
    const setup = await agent.submit(account, 'form#mfa-start-form');
    expect(setup.status).toBe(200);
    const html = parse(setup.html);
    const secret = html.querySelector('#mfa-secret')!.text.replace(/\s/g, '');
    const codes = await agent.submit(setup, 'form#mfa-enrol-form', { code: authenticatorCode(secret, clock) });
    expect(codes.status).toBe(200);
    return { secret, recoveryCodes: parse(codes.html).querySelectorAll('#mfa-recovery-codes li').map((li) => li.text.trim()) };
  }

  /** Starts an app's sign-in and proves the password; returns the page that follows (the code form here). */
  async function passwordStep(agent: UserAgent, username: string): Promise<{ page: PageResponse; verifier: string }> {
    const { page: login, verifier } = await openLoginPage(agent, app);
    const page = await agent.follow(await agent.submit(login, 'form#login-form', { username, password: PASSWORD }), REDIRECT_URI);
    return { page, verifier };
  }

  /** Follows a finished interaction to the app (consenting if asked) and redeems the code: the ID token's claims. */
  async function claimsAfter(agent: UserAgent, response: PageResponse, verifier: string) {
    let step = await agent.follow(response, REDIRECT_URI);
    if (step.html.includes('id="consent-form"')) step = await agent.follow(await agent.submit(step, 'form#consent-form'), REDIRECT_URI);
    expect(step.location).toMatch(/\?code=/);
    return (await oidc.authorizationCodeGrant(app, new URL(step.location!), { pkceCodeVerifier: verifier })).claims()!;
  }

  it('enrols on the account page with a server-drawn QR code, then signs in with a code computed from the shown secret: amr pwd, otp, mfa', async () => {
    const user = await createUser('tess');
    const agent = new UserAgent();
    const account = await signInToAccount(agent, 'tess');
    expect(parse(account.html).querySelector('#account-mfa')?.text).toContain('Off');
    const setup = await agent.submit(account, 'form#mfa-start-form');
    const qr = parse(setup.html).querySelector('img#mfa-qr')!.getAttribute('src')!;
    expect(qr).toMatch(/^data:image\/svg\+xml;base64,/);
    expect(Buffer.from(qr.split(',')[1]!, 'base64').toString()).toMatch(/^<svg /);
    const secret = parse(setup.html).querySelector('#mfa-secret')!.text.replace(/\s/g, '');
    expect(secret).toMatch(/^[A-Z2-7]{32}$/);
    const done = await agent.submit(setup, 'form#mfa-enrol-form', { code: authenticatorCode(secret, clock) });
    const codes = parse(done.html).querySelectorAll('#mfa-recovery-codes li').map((li) => li.text.trim());
    expect(codes).toHaveLength(10);
    expect((await services().mfa.status(user.id)).enrolled).toBe(true);
    // The secret is stored sealed, never as the base32 text the page showed.
    expect(JSON.stringify((await ctx.server.db.query('SELECT * FROM mfa_totp WHERE user_id = $1', [user.id])).rows)).not.toContain(secret);

    clock.advance(30); // the enrolment used the current step's code
    const signIn = new UserAgent();
    const { page, verifier } = await passwordStep(signIn, 'tess');
    expect(page.url).toMatch(/\/interaction\/[^/]+\/mfa$/);
    const claims = await claimsAfter(signIn, await signIn.submit(page, 'form#mfa-form', { code: authenticatorCode(secret, clock) }), verifier);
    expect(claims.sub).toBe(user.id);
    expect(claims.amr).toEqual(expect.arrayContaining(['pwd', 'otp', 'mfa']));
  });

  it('refuses a wrong code and a replayed one (same time step) with 400 and an alert, and accepts the next step\'s code after the clock moves', async () => {
    // Enrolment, the replay and the second sign-in below each happen within one step.
    startNextStep(clock);
    await createUser('uma');
    const { secret } = await enrolOnAccountPage('uma');
    const agent = new UserAgent();
    const { page, verifier } = await passwordStep(agent, 'uma');

    const wrong = await agent.submit(page, 'form#mfa-form', { code: wrongCode(secret, clock) });
    expect(wrong.status).toBe(400);
    expect(alertText(wrong.html)).toContain('not valid');
    // The enrolment spent this step's code: the same code again is a replay.
    const replayed = await agent.submit(wrong, 'form#mfa-form', { code: authenticatorCode(secret, clock) });
    expect(replayed.status).toBe(400);
    expect(alertText(replayed.html)).toContain('not valid');

    clock.advance(30);
    const code = authenticatorCode(secret, clock);
    const claims = await claimsAfter(agent, await agent.submit(replayed, 'form#mfa-form', { code }), verifier);
    expect(claims.amr).toEqual(expect.arrayContaining(['pwd', 'otp', 'mfa']));

    // The code just used, in another sign-in within its step: refused.
    const again = new UserAgent();
    const second = await passwordStep(again, 'uma');
    const refused = await again.submit(second.page, 'form#mfa-form', { code });
    expect(refused.status).toBe(400);
    expect(alertText(refused.html)).toContain('not valid');
  });

  it('accepts a recovery code once (amr pwd, mfa, recovery_code, no otp) and refuses it the second time', async () => {
    await createUser('vic');
    const { recoveryCodes } = await enrolOnAccountPage('vic');
    const agent = new UserAgent();
    const first = await passwordStep(agent, 'vic');
    // Typed in lower case and without the dash, as people do.
    const typed = recoveryCodes[3]!.toLowerCase().replace('-', '');
    const claims = await claimsAfter(agent, await agent.submit(first.page, 'form#mfa-form', { code: typed }), first.verifier);
    expect(claims.amr).toEqual(expect.arrayContaining(['pwd', 'mfa', 'recovery_code']));
    expect(claims.amr).not.toContain('otp');

    const other = new UserAgent();
    const second = await passwordStep(other, 'vic');
    const refused = await other.submit(second.page, 'form#mfa-form', { code: recoveryCodes[3]! });
    expect(refused.status).toBe(400);
    expect(alertText(refused.html)).toContain('not valid');
    expect(refused.html).toContain('id="mfa-form"');
  });

  it('makes a member of a group that requires MFA enrol inside the sign-in, shows the recovery codes once, then finishes it', async () => {
    await services().groups.create({ name: 'vault' });
    await services().mfa.setGroupRequired('vault', true);
    const user = await createUser('walt', ['vault']);
    const agent = new UserAgent();
    const { page, verifier } = await passwordStep(agent, 'walt');
    expect(page.url).toMatch(/\/interaction\/[^/]+\/mfa\/enrol$/);
    expect(parse(page.html).querySelector('img#mfa-qr')?.getAttribute('src')).toMatch(/^data:image\/svg\+xml;base64,/);
    const secret = parse(page.html).querySelector('#mfa-secret')!.text.replace(/\s/g, '');

    const wrong = await agent.submit(page, 'form#mfa-enrol-form', { code: wrongCode(secret, clock) });
    expect(wrong.status).toBe(400);
    expect(alertText(wrong.html)).toContain('not valid');
    // The page shown again keeps the same secret, so the app the user already set up still matches.
    expect(parse(wrong.html).querySelector('#mfa-secret')!.text.replace(/\s/g, '')).toBe(secret);

    const codes = await agent.submit(wrong, 'form#mfa-enrol-form', { code: authenticatorCode(secret, clock) });
    expect(codes.status).toBe(200);
    expect(parse(codes.html).querySelectorAll('#mfa-recovery-codes li')).toHaveLength(10);
    const claims = await claimsAfter(agent, await agent.submit(codes, 'form#mfa-continue-form'), verifier);
    expect(claims.sub).toBe(user.id);
    expect(claims.amr).toEqual(expect.arrayContaining(['pwd', 'otp', 'mfa']));
    expect(await services().mfa.status(user.id)).toMatchObject({ enrolled: true, required: true, recoveryCodesLeft: 10 });
  });

  it('throttles code guessing like password guessing: past ten attempts per account and address, 429 with Retry-After, even for the right code', async () => {
    await createUser('zeno');
    const { secret } = await enrolOnAccountPage('zeno');
    clock.advance(30);
    const agent = new UserAgent();
    let { page } = await passwordStep(agent, 'zeno');
    for (let i = 0; i < 10; i += 1) {
      page = await agent.submit(page, 'form#mfa-form', { code: wrongCode(secret, clock) });
      expect(page.status).toBe(400);
    }
    const blocked = await agent.submit(page, 'form#mfa-form', { code: authenticatorCode(secret, clock) });
    expect(blocked.status).toBe(429);
    expect(Number(blocked.headers.get('retry-after'))).toBeGreaterThan(0);
    expect(alertText(blocked.html)).toBeTruthy();
  });

  it('sends the MFA pages back to the sign-in form without a proven password in this interaction, and ignores a forged step cookie', async () => {
    await createUser('xena');
    await enrolOnAccountPage('xena');
    const agent = new UserAgent();
    const { page: login } = await openLoginPage(agent, app);
    const uid = new URL(login.url).pathname.split('/')[2]!;
    const direct = await agent.request(url(`/interaction/${uid}/mfa`));
    expect(direct.status).toBe(303);
    expect(direct.location).toBe(url(`/interaction/${uid}`));
    // An unsigned cookie claiming the password was proven: Koa's signature check drops it.
    await agent.jar.setCookie(`lk_mfa=${JSON.stringify({ uid, exp: 9e9, stage: 'enrolled', userId: 'x', amr: ['pwd', 'otp', 'mfa'] })}; Path=/interaction/${uid}`, url(`/interaction/${uid}`));
    const forged = await agent.request(url(`/interaction/${uid}/mfa`));
    expect(forged.location).toBe(url(`/interaction/${uid}`));
  });

  it('lets the user replace their recovery codes and turn MFA off from the account page, and an operator reset removes it all', async () => {
    const user = await createUser('yara');
    const { recoveryCodes } = await enrolOnAccountPage('yara');
    const agent = new UserAgent();
    // Signing in to the account page now asks for the second factor too.
    const login = await agent.navigate(url('/account'));
    const challenge = await agent.follow(await agent.submit(login, 'form#login-form', { username: 'yara', password: PASSWORD }));
    const account = await agent.follow(await agent.submit(challenge, 'form#mfa-form', { code: recoveryCodes[0]! }));
    expect(account.url).toBe(url('/account'));
    expect(parse(account.html).querySelector('#account-mfa')?.text).toContain('9 unused recovery codes');

    const fresh = await agent.submit(account, 'form#mfa-recovery-form');
    const newCodes = parse(fresh.html).querySelectorAll('#mfa-recovery-codes li').map((li) => li.text.trim());
    expect(newCodes).toHaveLength(10);
    expect(newCodes).not.toContain(recoveryCodes[1]);
    const other = new UserAgent();
    const oldCode = await passwordStep(other, 'yara');
    expect((await other.submit(oldCode.page, 'form#mfa-form', { code: recoveryCodes[1]! })).status).toBe(400);

    const off = await agent.follow(await agent.submit(await agent.navigate(url('/account')), 'form#mfa-disable-form'));
    expect(off.url).toBe(url('/account?notice=mfa_disabled'));
    expect((await services().mfa.status(user.id)).enrolled).toBe(false);

    // Enrol again, then the operator resets it (lost device): the next sign-in asks for no code.
    await enrolOnAccountPage('yara');
    const reset = await services().mfa.reset('yara');
    expect(reset).toMatchObject({ totp: 'confirmed', recoveryCodes: 10 });
    expect(await ctx.server.db.query('SELECT 1 FROM mfa_recovery_codes WHERE user_id = $1', [user.id])).toMatchObject({ rowCount: 0 });
    const after = new UserAgent();
    const { page, verifier } = await passwordStep(after, 'yara');
    expect(page.html).not.toContain('id="mfa-form"');
    expect((await claimsAfter(after, page, verifier)).amr).toEqual(['pwd']);
  });

  it('reads the second-factor state with the account a sign-in looks up, equal to the state read on its own in every pool mode', async () => {
    await services().groups.create({ name: 'strongroom' });
    await services().mfa.setGroupRequired('strongroom', true);
    const plain = await createUser('olga');
    const member = await createUser('otto', ['strongroom']);
    const enrolled = await createUser('opal');
    await enrolOnAccountPage('opal');
    expect((await services().users.findSignInAccount('nobody-here', { withMfaState: true })).mfa).toBeUndefined();
    try {
      for (const mode of ['optional', 'required', 'off'] as const) {
        await services().mfa.setMode(mode);
        for (const user of [plain, member, enrolled]) {
          const account = await services().users.findSignInAccount(user.username!, { withMfaState: true });
          expect(account.mfa, `${user.username} in mode ${mode}`).toEqual(await services().mfa.status(user.id));
        }
      }
      // What the sign-in acts on: in `off` nobody is asked, the enrolled user neither.
      expect((await services().users.findSignInAccount('opal', { withMfaState: true })).mfa).toMatchObject({ mode: 'off', enrolled: true, required: false, recoveryCodesLeft: 10 });
    } finally {
      await services().mfa.setMode('optional');
    }
    expect((await services().users.findSignInAccount('otto@example.com', { withMfaState: true })).mfa).toMatchObject({ mode: 'optional', enrolled: false, required: true });
  });
});
