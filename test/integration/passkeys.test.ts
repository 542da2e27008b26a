import * as oidc from 'openid-client';
import { parse } from 'node-html-parser';
import { beforeAll, describe, expect, it } from 'vitest';
import { currentBackend } from '../support/backend.js';
import { openLoginPage } from '../support/flows.js';
import { PASSWORD, REDIRECT_URI } from '../support/fixtures.js';
import { discover, useTestServer } from '../support/harness.js';
import { SoftAuthenticator } from '../support/soft-authenticator.js';
import { UserAgent, type PageResponse } from '../support/user-agent.js';

/**
 * Passkeys over HTTP with a software authenticator (real ES256 keys, CBOR attestation, signed assertions):
 * registration on the account page, the second factor after a password, passwordless sign-in, and what is
 * refused: a spent or foreign challenge, a replayed assertion, another origin or RP ID, a counter that went
 * back, a passwordless assertion without user verification, deleting the last way to sign in.
 */
describe(`passkeys (${currentBackend()})`, () => {
  const ctx = useTestServer();
  let app: oidc.Configuration;

  beforeAll(async () => {
    const client = await ctx.server.latchkey.services.clients.create({ name: 'Passkey App', redirectUris: [REDIRECT_URI] });
    app = await discover(ctx.server, client);
  });

  const url = (path: string) => `${ctx.server.issuer}${path}`;
  const services = () => ctx.server.latchkey.services;
  const authenticator = (extra: { userVerified?: boolean; synced?: boolean } = {}) =>
    new SoftAuthenticator({ origin: ctx.server.issuer, rpId: new URL(ctx.server.issuer).hostname, ...extra });
  const createUser = (username: string) => services().users.create({ username, email: `${username}@example.com`, emailVerified: true, password: PASSWORD });
  const csrfOf = (page: PageResponse, form: string) => parse(page.html).querySelector(`${form} input[name=csrf]`)!.getAttribute('value')!;

  /** POSTs a page's options form (its CSRF token) and returns the JSON options. */
  async function options(agent: UserAgent, page: PageResponse, form: string) {
    const action = parse(page.html).querySelector(form)!.getAttribute('data-options')!;
    const answer = await agent.request(url(action), { method: 'POST', body: new URLSearchParams({ csrf: csrfOf(page, form) }) });
    expect(answer.status).toBe(200);
    expect(answer.headers.get('content-type')).toMatch(/^application\/json/);
    return JSON.parse(answer.html) as { challenge: string; user: { id: string }; rp?: { id: string; name: string }; rpId?: string; allowCredentials?: { id: string }[]; userVerification?: string };
  }

  async function signInToAccount(agent: UserAgent, username: string): Promise<PageResponse> {
    const login = await agent.navigate(url('/account'));
    const page = await agent.follow(await agent.submit(login, 'form#login-form', { username, password: PASSWORD }));
    expect(page.url).toBe(url('/account'));
    return page;
  }

  /** Registers a passkey from the account page; returns the page after it. */
  async function register(agent: UserAgent, account: PageResponse, device: SoftAuthenticator, name = ''): Promise<PageResponse> {
    const creation = await options(agent, account, 'form#passkey-add-form');
    const response = await agent.submit(account, 'form#passkey-add-form', { name, credential: JSON.stringify(device.register(creation)) });
    expect(response.status).toBe(303);
    return agent.follow(response);
  }

  async function claimsAfter(agent: UserAgent, response: PageResponse, verifier: string) {
    let step = await agent.follow(response, REDIRECT_URI);
    if (step.html.includes('id="consent-form"')) step = await agent.follow(await agent.submit(step, 'form#consent-form'), REDIRECT_URI);
    expect(step.location).toMatch(/\?code=/);
    return (await oidc.authorizationCodeGrant(app, new URL(step.location!), { pkceCodeVerifier: verifier })).claims()!;
  }

  /** A user with one registered passkey on `device`. */
  async function userWithPasskey(username: string, device = authenticator()) {
    const user = await createUser(username);
    const agent = new UserAgent();
    await register(agent, await signInToAccount(agent, username), device);
    return { user, device };
  }

  it('registers a passkey on the account page: options name the issuer as RP (from LATCHKEY_ISSUER), the list shows it, a replayed registration is refused', async () => {
    const user = await createUser('rhea');
    const agent = new UserAgent();
    const account = await signInToAccount(agent, 'rhea');
    expect(account.headers.get('content-security-policy')).toContain("script-src 'self'");
    expect(account.headers.get('content-security-policy')).not.toContain('unsafe-inline');
    const creation = await options(agent, account, 'form#passkey-add-form');
    expect(creation.rp).toEqual({ id: new URL(ctx.server.issuer).hostname, name: ctx.server.config.productName });
    const device = authenticator();
    const credential = JSON.stringify(device.register(creation));
    const added = await agent.follow(await agent.submit(account, 'form#passkey-add-form', { name: 'Work laptop', credential }));
    expect(parse(added.html).querySelector('#passkey-list')!.text).toContain('Work laptop');
    expect(parse(added.html).querySelector('#passkey-list')!.text).toContain('not used yet');
    // The same answer again: its challenge was spent.
    const again = await agent.submit(added, 'form#passkey-add-form', { credential });
    expect(again.status).toBe(400);
    expect(await services().passkeys.count(user.id)).toBe(1);
  });

  it('refuses the options request without the CSRF token (403) and a registration signed for another origin or RP ID', async () => {
    const user = await createUser('sami');
    const agent = new UserAgent();
    const account = await signInToAccount(agent, 'sami');
    const forged = await agent.request(url('/account/passkeys/options'), { method: 'POST', body: new URLSearchParams({ csrf: 'forged' }) });
    expect(forged.status).toBe(403);
    const device = authenticator();
    for (const ceremony of [{ origin: 'https://latchkey.example.evil' }, { rpId: 'example.evil' }]) {
      const creation = await options(agent, account, 'form#passkey-add-form');
      const refused = await agent.submit(account, 'form#passkey-add-form', { credential: JSON.stringify(device.register(creation, ceremony)) });
      expect(refused.status).toBe(400);
    }
    expect(await services().passkeys.count(user.id)).toBe(0);
  });

  it('asks a user with a passkey for it after the password, and the passkey finishes the sign-in: amr pwd hwk user mfa', async () => {
    const { device } = await userWithPasskey('tomas');
    const agent = new UserAgent();
    const { page: login, verifier } = await openLoginPage(agent, app);
    const challenge = await agent.follow(await agent.submit(login, 'form#login-form', { username: 'tomas', password: PASSWORD }), REDIRECT_URI);
    expect(challenge.url).toMatch(/\/mfa$/);
    expect(parse(challenge.html).querySelector('form#mfa-passkey-form')).not.toBeNull();
    // No authenticator app is set up, so no code form.
    expect(parse(challenge.html).querySelector('form#mfa-form')).toBeNull();
    const request = await options(agent, challenge, 'form#mfa-passkey-form');
    expect(request.allowCredentials).toEqual([expect.objectContaining({ id: device.credentials[0]!.id.toString('base64url') })]);
    expect(request.userVerification).toBe('preferred');
    const done = await agent.submit(challenge, 'form#mfa-passkey-form', { credential: JSON.stringify(device.assert(request, { userVerified: false })) });
    expect(done.status).toBe(303);
    expect((await claimsAfter(agent, done, verifier)).amr).toEqual(['pwd', 'hwk', 'user', 'mfa']);
  });

  it("refuses another user's passkey as the second factor", async () => {
    await userWithPasskey('uma');
    const { device: other } = await userWithPasskey('viktor');
    const agent = new UserAgent();
    const { page: login } = await openLoginPage(agent, app);
    const challenge = await agent.follow(await agent.submit(login, 'form#login-form', { username: 'uma', password: PASSWORD }), REDIRECT_URI);
    const request = await options(agent, challenge, 'form#mfa-passkey-form');
    const refused = await agent.submit(challenge, 'form#mfa-passkey-form', { credential: JSON.stringify(other.assert(request)) });
    expect(refused.status).toBe(400);
    expect(parse(refused.html).querySelector('[role=alert]')!.text).toContain('could not be verified');
  });

  it('signs in without a password with a discoverable passkey and user verification: amr hwk user mfa (swk for a synced passkey)', async () => {
    for (const [username, synced, key] of [['wanda', false, 'hwk'], ['xander', true, 'swk']] as const) {
      const { device } = await userWithPasskey(username, authenticator({ synced }));
      const agent = new UserAgent();
      const { page: login, verifier } = await openLoginPage(agent, app);
      expect(login.headers.get('content-security-policy')).toContain("script-src 'self'");
      const request = await options(agent, login, 'form#passkey-sign-in-form');
      expect(request.allowCredentials ?? []).toEqual([]);
      expect(request.userVerification).toBe('required');
      expect(request.rpId).toBe(new URL(ctx.server.issuer).hostname);
      const done = await agent.submit(login, 'form#passkey-sign-in-form', { credential: JSON.stringify(device.assert(request)) });
      expect(done.status).toBe(303);
      const claims = await claimsAfter(agent, done, verifier);
      expect(claims.amr).toEqual([key, 'user', 'mfa']);
      expect(claims.email).toBe(`${username}@example.com`);
    }
  });

  it('refuses a replayed assertion, an answer to another sign-in\'s challenge, another origin, another RP ID, no user verification and a counter that went back', async () => {
    const { user, device } = await userWithPasskey('yara');
    const attempt = async (make: (request: { challenge: string }) => unknown, reuse?: { agent: UserAgent; login: PageResponse }) => {
      const agent = reuse?.agent ?? new UserAgent();
      const login = reuse?.login ?? (await openLoginPage(agent, app)).page;
      const request = await options(agent, login, 'form#passkey-sign-in-form');
      return { agent, login, response: await agent.submit(login, 'form#passkey-sign-in-form', { credential: JSON.stringify(make(request)) }) };
    };
    // A good assertion, then the very same bytes again after a fresh challenge was issued.
    let replay: unknown;
    const first = await attempt((request) => (replay = device.assert(request)));
    expect(first.response.status).toBe(303);
    // The counter the server now holds (the soft authenticator counts refused attempts too).
    const accepted = device.credentials[0]!.counter;
    const replayed = await attempt(() => replay);
    expect(replayed.response.status).toBe(401);
    // Signed for sign-in A's challenge, posted to sign-in B.
    const a = new UserAgent();
    const loginA = (await openLoginPage(a, app)).page;
    const requestA = await options(a, loginA, 'form#passkey-sign-in-form');
    expect((await attempt(() => device.assert(requestA))).response.status).toBe(401);
    expect((await attempt((request) => device.assert(request, { origin: 'https://phish.example' }))).response.status).toBe(401);
    expect((await attempt((request) => device.assert(request, { rpId: 'phish.example' }))).response.status).toBe(401);
    expect((await attempt((request) => device.assert(request, { userVerified: false }))).response.status).toBe(401);
    // A clone of the authenticator, behind the original's counter.
    expect((await attempt((request) => device.assert(request, { counter: accepted - 1 }))).response.status).toBe(401);
    expect((await attempt((request) => device.assert(request, { counter: accepted }))).response.status).toBe(401);
    // The original, ahead of it, still works; a challenge is spent by a failed answer too.
    const next = await attempt((request) => device.assert(request, { counter: accepted + 5 }));
    expect(next.response.status).toBe(303);
    const spent = await next.agent.submit(next.login, 'form#passkey-sign-in-form', { credential: JSON.stringify(device.assert({ challenge: 'x' })) });
    expect(spent.status).toBeGreaterThanOrEqual(400);
    // The refusals were logged with their reasons (the counter one names both values).
    expect(ctx.server.logs.text).toMatch(/"reason":"counter"/);
    expect(ctx.server.logs.text).toContain(user.id);
  });

  it('renames and deletes passkeys, never the last way to sign in of a user without a password or linked provider', async () => {
    // A user without a password whose first passkey was registered directly, who signs in to the account page with it.
    const user = await services().users.create({ username: 'zeno', email: 'zeno@example.com', emailVerified: true });
    expect(user.password_hash).toBeNull();
    const device = authenticator();
    const creation = await services().passkeys.registrationOptions(user, 'test-binding');
    expect(await services().passkeys.register(user, 'test-binding', device.register(creation), 'Laptop')).toMatchObject({ ok: true });
    const agent = new UserAgent();
    const login = await agent.navigate(url('/account'));
    const request = await options(agent, login, 'form#passkey-sign-in-form');
    let account = await agent.follow(await agent.submit(login, 'form#passkey-sign-in-form', { credential: JSON.stringify(device.assert(request)) }));
    expect(account.url).toBe(url('/account'));
    const [first] = await services().passkeys.list(user.id);
    const refused = await agent.submit(account, `#passkey-${first!.id} form[action="/account/passkeys/delete"]`);
    expect(refused.status).toBe(409);
    expect(parse(refused.html).querySelector('[role=alert]')!.text).toContain('only way to sign in');
    account = await agent.follow(await agent.submit(account, `#passkey-${first!.id} form[action="/account/passkeys/rename"]`, { name: 'Old laptop' }));
    expect(parse(account.html).querySelector(`#passkey-${first!.id} .lk-passkey-name`)!.text).toBe('Old laptop');
    account = await register(agent, account, authenticator(), 'Phone');
    expect(parse(account.html).querySelectorAll('#passkey-list li')).toHaveLength(2);
    const deleted = await agent.submit(account, `#passkey-${first!.id} form[action="/account/passkeys/delete"]`);
    expect(deleted.status).toBe(303);
    expect((await services().passkeys.list(user.id)).map((passkey) => passkey.name)).toEqual(['Phone']);
    const absent = await agent.submit(account, `#passkey-${first!.id} form[action="/account/passkeys/delete"]`);
    expect(absent.status).toBe(404);
  });

  it('removes every passkey of a user for an operator; the user then signs in with the password alone', async () => {
    const { user } = await userWithPasskey('ada');
    expect(await services().passkeys.removeAll('ada')).toMatchObject({ removed: 1, user: { id: user.id } });
    const agent = new UserAgent();
    const { page: login, verifier } = await openLoginPage(agent, app);
    const done = await agent.submit(login, 'form#login-form', { username: 'ada', password: PASSWORD });
    expect((await claimsAfter(agent, done, verifier)).amr).toEqual(['pwd']);
  });
});
