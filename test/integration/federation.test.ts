import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { parse } from 'node-html-parser';
import * as oidc from 'openid-client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { currentBackend } from '../support/backend.js';
import { startFakeUpstream, type FakeUpstream } from '../support/fake-upstream.js';
import { PASSWORD, REDIRECT_URI } from '../support/fixtures.js';
import { openLoginPage, signInToCallback } from '../support/flows.js';
import { discover, useTestServer } from '../support/harness.js';
import { runCli } from '../support/processes.js';
import { freePort, TEST_SECRET } from '../support/test-server.js';
import { createProviderRegistry } from '../../src/federation/provider-registry.js';
import { classifyUpstreamFailure } from '../../src/federation/upstream-failure.js';
import { createSecretBox } from '../../src/lib/secret-box.js';
import { alertText, UserAgent, type PageResponse } from '../support/user-agent.js';

/**
 * Signing in through an upstream OpenID Provider: app → Latchkey → fake upstream (a real oidc-provider on
 * loopback) → Latchkey → app, with openid-client as the app and the tokens verified.
 */
describe(`federation with a generic OpenID Provider (${currentBackend()})`, () => {
  const ctx = useTestServer();
  const fakes: Record<'acme' | 'plain' | 'flaky', FakeUpstream> = {} as Record<'acme' | 'plain' | 'flaky', FakeUpstream>;
  let app: oidc.Configuration;
  let junk: Server;

  beforeAll(async () => {
    const { services } = ctx.server.latchkey;
    for (const name of ['acme', 'plain', 'flaky'] as const) {
      fakes[name] = await startFakeUpstream({ name, redirectUris: [`${ctx.server.issuer}/federation/callback/${name}`] });
      await services.providers.add({
        name, issuer: fakes[name].issuer, clientId: fakes[name].clientId, clientSecret: fakes[name].clientSecret,
        displayName: { acme: 'Acme SSO', plain: 'Plain ID', flaky: 'Flaky ID' }[name], trustEmail: name !== 'plain',
      });
    }
    // An upstream that is not there, and one answering garbage where its discovery document should be.
    await services.providers.add({ name: 'ghost', issuer: `http://127.0.0.1:${await freePort()}`, clientId: 'x', clientSecret: 'y', displayName: 'Ghost ID' });
    junk = createServer((_req, res) => res.writeHead(200, { 'content-type': 'text/html' }).end('<html>not a discovery document'));
    await new Promise<void>((resolve) => junk.listen(0, '127.0.0.1', resolve));
    await services.providers.add({ name: 'junk', issuer: `http://127.0.0.1:${(junk.address() as AddressInfo).port}`, clientId: 'x', clientSecret: 'y', displayName: 'Junk ID' });
    app = await discover(ctx.server, await services.clients.create({ name: 'Federated App', redirectUris: [REDIRECT_URI], firstParty: true }));
  });
  afterAll(async () => {
    for (const fake of Object.values(fakes)) await fake?.stop();
    junk?.close();
  });

  async function counts(): Promise<{ users: number; identities: number }> {
    const { rows } = await ctx.server.db.query<{ users: number; identities: number }>(
      'SELECT (SELECT count(*)::int FROM users) AS users, (SELECT count(*)::int FROM federated_identities) AS identities',
    );
    return rows[0]!;
  }

  /** Opens the sign-in page, clicks the provider's button and follows until `stopAt` (default: the app). */
  async function clickProvider(agent: UserAgent, name: string, stopAt = REDIRECT_URI): Promise<{ step: PageResponse; verifier: string }> {
    const { page, verifier } = await openLoginPage(agent, app);
    const href = parse(page.html).querySelector(`a#federation-${name}`)?.getAttribute('href');
    expect(href).toBeDefined();
    return { step: await agent.navigate(new URL(href!, page.url).toString(), stopAt), verifier };
  }

  async function tokensFor(step: PageResponse, verifier: string) {
    expect(step.location, step.html.slice(0, 300)).toMatch(/^http:\/\/localhost:8976\/callback\?code=/);
    return oidc.authorizationCodeGrant(app, new URL(step.location!), { pkceCodeVerifier: verifier });
  }

  it('shows a button per configured provider, with its display name and an accessible label', async () => {
    const { page } = await openLoginPage(new UserAgent(), app);
    const button = parse(page.html).querySelector('a#federation-acme');
    expect(button?.text.trim()).toBe('Acme SSO');
    expect(button?.getAttribute('aria-label')).toBe('Sign in with Acme SSO');
    expect(parse(page.html).querySelector('a#federation-plain')?.text.trim()).toBe('Plain ID');
  });

  it('creates a federated-only user on a first sign-in, whose tokens carry Latchkey\'s sub and amr fed, and finds the same user the second time', async () => {
    fakes.acme.next({ account: 'acme-100', claims: { email: 'newcomer@example.com', email_verified: true, name: 'New Comer', given_name: 'New', family_name: 'Comer' } });
    const first = await clickProvider(new UserAgent(), 'acme');
    const tokens = await tokensFor(first.step, first.verifier);
    const claims = tokens.claims()!;
    expect(claims.iss).toBe(ctx.server.issuer);
    expect(claims.sub).not.toBe('acme-100');
    expect(claims.amr).toEqual(['fed']);
    expect(claims.identities).toEqual(['acme']);
    const user = (await ctx.server.latchkey.services.users.findById(claims.sub))!;
    expect(user).toMatchObject({ email: 'newcomer@example.com', email_verified: true, status: 'confirmed', password_hash: null, profile: { name: 'New Comer', given_name: 'New', family_name: 'Comer' } });
    const userinfo = await oidc.fetchUserInfo(app, tokens.access_token, claims.sub);
    expect(userinfo.sub).toBe(claims.sub);
    expect(userinfo.identities).toEqual(['acme']);

    const again = await clickProvider(new UserAgent(), 'acme');
    expect((await tokensFor(again.step, again.verifier)).claims()!.sub).toBe(claims.sub);
  });

  it('refuses a password sign-in for a federated-only user (they have no password)', async () => {
    fakes.acme.next({ account: 'acme-101', claims: { email: 'nopassword@example.com', email_verified: true } });
    const signedIn = await clickProvider(new UserAgent(), 'acme');
    await tokensFor(signedIn.step, signedIn.verifier);
    const agent = new UserAgent();
    const { page } = await openLoginPage(agent, app);
    const refused = await agent.submit(page, 'form#login-form', { username: 'nopassword@example.com', password: PASSWORD });
    expect(refused.status).toBe(401);
    expect(alertText(refused.html)).toBe('Incorrect username or password.');
  });

  it('links to the existing account when the provider is trusted and the e-mail verified on both sides', async () => {
    const local = await ctx.server.latchkey.services.users.create({ email: 'linked@example.com', password: PASSWORD, emailVerified: true });
    fakes.acme.next({ account: 'acme-200', claims: { email: 'Linked@Example.com', email_verified: true } });
    const { step, verifier } = await clickProvider(new UserAgent(), 'acme');
    expect((await tokensFor(step, verifier)).claims()).toMatchObject({ sub: local.id, identities: ['acme'] });
    const { rows } = await ctx.server.db.query<{ user_id: string; provider: string }>('SELECT user_id, provider FROM federated_identities WHERE subject = $1', ['acme-200']);
    expect(rows).toEqual([{ user_id: local.id, provider: 'acme' }]);
  });

  it('creates a new user instead of linking when the provider is not trusted with e-mail, or the e-mail is not verified', async () => {
    const bob = await ctx.server.latchkey.services.users.create({ email: 'bob@example.com', password: PASSWORD, emailVerified: true });
    fakes.plain.next({ account: 'plain-1', claims: { email: 'bob@example.com', email_verified: true } });
    const untrusted = await clickProvider(new UserAgent(), 'plain');
    const untrustedSub = (await tokensFor(untrusted.step, untrusted.verifier)).claims()!.sub;
    expect(untrustedSub).not.toBe(bob.id);
    const created = (await ctx.server.latchkey.services.users.findById(untrustedSub))!;
    // The address belongs to Bob, so the new user has none; the identity keeps what the upstream said.
    expect(created.email).toBeNull();
    expect(created.username).toMatch(/^plain-[0-9a-f]{12}$/);

    fakes.acme.next({ account: 'acme-300', claims: { email: 'bob@example.com', email_verified: false } });
    const unverified = await clickProvider(new UserAgent(), 'acme');
    const unverifiedSub = (await tokensFor(unverified.step, unverified.verifier)).claims()!.sub;
    expect(unverifiedSub).not.toBe(bob.id);
    expect(unverifiedSub).not.toBe(untrustedSub);
  });

  it('skips the sign-in page when the app sends identity_provider', async () => {
    fakes.acme.next({ account: 'acme-100', claims: { email: 'newcomer@example.com', email_verified: true } });
    const agent = new UserAgent();
    const verifier = oidc.randomPKCECodeVerifier();
    const url = oidc.buildAuthorizationUrl(app, {
      redirect_uri: REDIRECT_URI, scope: 'openid email', identity_provider: 'acme',
      code_challenge: await oidc.calculatePKCECodeChallenge(verifier), code_challenge_method: 'S256',
    });
    const step = await agent.navigate(url.toString(), REDIRECT_URI);
    expect((await tokensFor(step, verifier)).claims()!.amr).toEqual(['fed']);
  });

  it('answers the app access_denied, creating nobody, when the user cancels at the upstream', async () => {
    const before = await counts();
    fakes.acme.next({ deny: true });
    const { step } = await clickProvider(new UserAgent(), 'acme');
    const back = new URL(step.location!);
    expect(`${back.origin}${back.pathname}`).toBe(REDIRECT_URI);
    expect(back.searchParams.get('error')).toBe('access_denied');
    expect(back.searchParams.get('error_description')).toBe('The sign-in with Acme SSO was cancelled.');
    expect(await counts()).toEqual(before);
  });

  it('refuses a callback with an unknown state and a replayed callback with a 400 page, creating nobody', async () => {
    const before = await counts();
    const forged = await new UserAgent().request(`${ctx.server.issuer}/federation/callback/acme?code=forged&state=not-a-state`);
    expect(forged.status).toBe(400);
    expect(forged.html).toContain('invalid, expired or was already used');

    fakes.acme.next({ account: 'acme-400', claims: { email: 'replay@example.com', email_verified: true } });
    const agent = new UserAgent();
    const callbackPrefix = `${ctx.server.issuer}/federation/callback/acme`;
    const { step, verifier } = await clickProvider(agent, 'acme', callbackPrefix);
    const callback = step.location!;
    expect(callback.startsWith(callbackPrefix)).toBe(true);
    await tokensFor(await agent.follow(step, REDIRECT_URI), verifier);
    const afterOne = await counts();
    expect(afterOne.users).toBe(before.users + 1);

    const replayed = await agent.request(callback);
    expect(replayed.status).toBe(400);
    expect(await counts()).toEqual(afterOne);
  });

  it('answers temporarily_unavailable, creating nobody, when the upstream is down at the token exchange', async () => {
    const before = await counts();
    fakes.flaky.next({ account: 'flaky-1', claims: { email: 'flaky@example.com', email_verified: true } });
    const agent = new UserAgent();
    const { step } = await clickProvider(agent, 'flaky', `${ctx.server.issuer}/federation/callback/flaky`);
    await fakes.flaky.stop();
    const started = Date.now();
    const end = await agent.follow(step, REDIRECT_URI);
    const back = new URL(end.location!);
    expect(back.searchParams.get('error')).toBe('temporarily_unavailable');
    expect(back.searchParams.get('error_description')).toBe('Flaky ID cannot be reached. Try again later.');
    expect(Date.now() - started).toBeLessThan(10_000);
    expect(await counts()).toEqual(before);
  });

  it('links exactly one of two upstream accounts claiming the same verified e-mail at once; the other is refused and creates nobody', async () => {
    const local = await ctx.server.latchkey.services.users.create({ email: 'race@example.com', password: PASSWORD, emailVerified: true });
    const before = await counts();
    fakes.acme.enqueue(
      { account: 'acme-race-1', claims: { email: 'race@example.com', email_verified: true } },
      { account: 'acme-race-2', claims: { email: 'race@example.com', email_verified: true } },
    );
    const results = await Promise.all([clickProvider(new UserAgent(), 'acme'), clickProvider(new UserAgent(), 'acme')]);
    const outcomes = results.map(({ step }) => new URL(step.location!).searchParams);
    expect(outcomes.filter((q) => q.has('code'))).toHaveLength(1);
    expect(outcomes.filter((q) => q.get('error') === 'access_denied')).toHaveLength(1);
    const winner = results.find(({ step }) => new URL(step.location!).searchParams.has('code'))!;
    expect((await tokensFor(winner.step, winner.verifier)).claims()!.sub).toBe(local.id);
    expect(await counts()).toEqual({ users: before.users, identities: before.identities + 1 });
  });

  it('accepts the upstream answer as a cross-site form_post without cookies, and finishes on the same-site path', async () => {
    fakes.acme.next({ account: 'acme-500', claims: { email: 'posted@example.com', email_verified: true } });
    const agent = new UserAgent();
    const callbackUrl = `${ctx.server.issuer}/federation/callback/acme`;
    const { step, verifier } = await clickProvider(agent, 'acme', callbackUrl);
    const answer = new URL(step.location!);
    // A cross-site POST carries no SameSite=Lax cookie: a cookie-less agent stands in for the browser.
    const posted = await new UserAgent().request(callbackUrl, { method: 'POST', body: answer.searchParams });
    expect(posted.status).toBe(303);
    expect(posted.location).toMatch(/\/interaction\/[^/]+\/federated\/acme$/);
    const done = await agent.follow(posted, REDIRECT_URI);
    expect((await tokensFor(done, verifier)).claims()!.amr).toEqual(['fed']);
  });

  it('answers temporarily_unavailable when the upstream cannot be reached at discovery, and access_denied when it answers garbage', async () => {
    const before = await counts();
    const ghost = (await clickProvider(new UserAgent(), 'ghost')).step;
    expect(new URL(ghost.location!).searchParams.get('error')).toBe('temporarily_unavailable');
    const garbage = (await clickProvider(new UserAgent(), 'junk')).step;
    expect(new URL(garbage.location!).searchParams.get('error')).toBe('access_denied');
    expect(new URL(garbage.location!).searchParams.get('error_description')).toBe('The answer from junk could not be verified.');
    expect(await counts()).toEqual(before);
  });

  it('refuses an answer delivered to another provider\'s callback (mix-up) with a 400 page, creating nobody', async () => {
    const before = await counts();
    fakes.acme.next({ account: 'acme-600', claims: { email: 'mixup@example.com', email_verified: true } });
    const agent = new UserAgent();
    const { step } = await clickProvider(agent, 'acme', `${ctx.server.issuer}/federation/callback/acme`);
    const answer = new URL(step.location!);
    const mixedUp = await agent.request(`${ctx.server.issuer}/federation/callback/plain${answer.search}`);
    expect(mixedUp.status).toBe(400);
    expect(await counts()).toEqual(before);
  });

  it('answers access_denied, creating nobody, when the ID token\'s nonce is not the one sent', async () => {
    const before = await counts();
    fakes.acme.next({ account: 'acme-700', claims: { email: 'nonce@example.com', email_verified: true } });
    const agent = new UserAgent();
    const { step } = await clickProvider(agent, 'acme', `${ctx.server.issuer}/federation/callback/acme`);
    // The pending state is swapped for one expecting another nonce, as if the token were minted for another request.
    const { rows } = await ctx.server.db.query<{ interaction_uid: string }>("SELECT interaction_uid FROM federation_states WHERE provider = 'acme' ORDER BY created_at DESC LIMIT 1");
    const uid = rows[0]!.interaction_uid;
    const box = createSecretBox([TEST_SECRET]);
    await ctx.server.db.query('UPDATE federation_states SET nonce_sealed = $1 WHERE interaction_uid = $2', [box.seal('another-nonce', `federation state:nonce:${uid}`), uid]);
    const end = await agent.follow(step, REDIRECT_URI);
    const back = new URL(end.location!);
    expect(back.searchParams.get('error')).toBe('access_denied');
    expect(back.searchParams.get('error_description')).toBe('The answer from Acme SSO could not be verified.');
    expect(await counts()).toEqual(before);
  });

  it('gives up on an upstream that hangs within the registry\'s timeout, as temporarily_unavailable', async () => {
    const hanging = createServer(() => { /* never answers */ });
    await new Promise<void>((resolve) => hanging.listen(0, '127.0.0.1', resolve));
    try {
      const registry = createProviderRegistry({ db: ctx.server.db, box: createSecretBox([TEST_SECRET]), production: false, timeoutMs: 300 });
      await registry.add({ name: 'hangs', issuer: `http://127.0.0.1:${(hanging.address() as AddressInfo).port}`, clientId: 'x', clientSecret: 'y' });
      const started = Date.now();
      const failure = await registry.resolve('hangs').then(() => undefined, (error: unknown) => classifyUpstreamFailure('Hangs', error));
      expect(failure).toMatchObject({ error: 'temporarily_unavailable', error_description: 'Hangs did not answer in time. Try again later.' });
      expect(Date.now() - started).toBeLessThan(2_000);
    } finally {
      hanging.closeAllConnections();
      hanging.close();
    }
  });

  it('refuses, without linking, a verified e-mail that belongs to a disabled account', async () => {
    const { services } = ctx.server.latchkey;
    const local = await services.users.create({ email: 'disabled@example.com', password: PASSWORD, emailVerified: true });
    await services.users.setEnabled(local.id, false);
    const before = await counts();
    fakes.acme.next({ account: 'acme-800', claims: { email: 'disabled@example.com', email_verified: true } });
    const { step } = await clickProvider(new UserAgent(), 'acme');
    expect(new URL(step.location!).searchParams.get('error')).toBe('access_denied');
    expect(await counts()).toEqual(before);
  });

  it('unlinks an identity, but never a user\'s last way to sign in; a passkey counts as one (service and CLI, user show listing identities)', async () => {
    const { services } = ctx.server.latchkey;
    fakes.acme.next({ account: 'acme-900', claims: { email: 'only-fed@example.com', email_verified: true } });
    const onlyFed = await clickProvider(new UserAgent(), 'acme');
    const onlyFedId = (await tokensFor(onlyFed.step, onlyFed.verifier)).claims()!.sub;
    await expect(services.identities.unlink(onlyFedId, 'acme')).rejects.toThrow("is the user's last way to sign in");
    await expect(services.identities.unlink(onlyFedId, 'plain')).rejects.toThrow('the user has no identity at "plain"');

    const withPassword = await services.users.create({ email: 'both@example.com', password: PASSWORD, emailVerified: true });
    fakes.acme.next({ account: 'acme-901', claims: { email: 'both@example.com', email_verified: true } });
    const linked = await clickProvider(new UserAgent(), 'acme');
    expect((await tokensFor(linked.step, linked.verifier)).claims()!.sub).toBe(withPassword.id);

    const env = { ...ctx.database.env, LATCHKEY_SECRET: TEST_SECRET, LOG_LEVEL: 'warn' };
    const shown = await runCli(['--json', 'user', 'show', 'both@example.com'], env);
    expect(shown.code, shown.stderr).toBe(0);
    expect((JSON.parse(shown.stdout) as { identities: unknown[] }).identities).toEqual([expect.objectContaining({ provider: 'acme', issuer: fakes.acme.issuer, subject: 'acme-901', email: 'both@example.com' })]);
    const refused = await runCli(['user', 'unlink', onlyFedId, 'acme'], env);
    expect(refused.code).toBe(1);
    expect(refused.stderr).toContain("last way to sign in");
    const unlinked = await runCli(['user', 'unlink', 'both@example.com', 'acme'], env);
    expect(unlinked.code, unlinked.stderr).toBe(0);
    expect(unlinked.stdout).toBe('unlinked acme identity acme-901 (both@example.com)\n');
    expect(await services.identities.listForUser(withPassword.id)).toEqual([]);

    // A passkey is a way to sign in of its own: with one, the federated-only user may unlink the provider.
    await ctx.server.db.query(
      `INSERT INTO webauthn_credentials (user_id, credential_id, public_key, name, device_type) VALUES ($1, $2, $3, 'Laptop', 'singleDevice')`,
      [onlyFedId, 'cred-0123456789abcdef', Buffer.alloc(32, 1)],
    );
    expect(await services.identities.unlink(onlyFedId, 'acme')).toMatchObject({ provider: 'acme', subject: 'acme-900' });
  });

  it('signs two concurrent first sign-ins of the same upstream identity in as one user, leaving one user and one link', async () => {
    const before = await counts();
    const same = { account: 'acme-twice', claims: { email: 'twice@example.com', email_verified: true } };
    fakes.acme.enqueue(same, same);
    const results = await Promise.all([clickProvider(new UserAgent(), 'acme'), clickProvider(new UserAgent(), 'acme')]);
    const subs = await Promise.all(results.map(async ({ step, verifier }) => (await tokensFor(step, verifier)).claims()!.sub));
    expect(subs[0]).toBe(subs[1]);
    expect(await counts()).toEqual({ users: before.users + 1, identities: before.identities + 1 });
  });

  it('answers access_denied, creating nobody, for an ID token with a tampered signature, for another audience or expired', async () => {
    const before = await counts();
    try {
      for (const mode of ['signature', 'audience', 'expired'] as const) {
        fakes.acme.tamper(mode);
        fakes.acme.next({ account: `acme-tampered-${mode}`, claims: { email: `tampered-${mode}@example.com`, email_verified: true } });
        const { step } = await clickProvider(new UserAgent(), 'acme');
        const back = new URL(step.location!);
        expect(back.searchParams.get('error'), mode).toBe('access_denied');
        expect(back.searchParams.get('error_description'), mode).toBe('The answer from Acme SSO could not be verified.');
      }
    } finally {
      fakes.acme.tamper(null);
    }
    expect(await counts()).toEqual(before);
  });

  it('leaves the identities claim out for a user with no linked provider', async () => {
    await ctx.server.latchkey.services.users.create({ email: 'local-only@example.com', password: PASSWORD, emailVerified: true });
    const agent = new UserAgent();
    const { page, verifier } = await openLoginPage(agent, app);
    const callback = await signInToCallback(agent, page, 'local-only@example.com', PASSWORD);
    const claims = (await oidc.authorizationCodeGrant(app, new URL(callback), { pkceCodeVerifier: verifier })).claims()!;
    expect(claims.amr).toEqual(['pwd']);
    expect(claims).not.toHaveProperty('identities');
  });
});
