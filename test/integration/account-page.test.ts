import { parse } from 'node-html-parser';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { currentBackend } from '../support/backend.js';
import { createTestClock } from '../support/clock.js';
import { startFakeUpstream, type FakeUpstream } from '../support/fake-upstream.js';
import { PASSWORD } from '../support/fixtures.js';
import * as oidc from 'openid-client';
import { openLoginPage, signInToCallback } from '../support/flows.js';
import { discover, useTestServer } from '../support/harness.js';
import { alertText, UserAgent, type PageResponse } from '../support/user-agent.js';

/**
 * The self-service account page: signing in to it through the hosted login, the profile, linking an
 * upstream identity by proving ownership of the local account (being signed in to it, recently), unlinking,
 * and signing out everywhere.
 */
describe(`account page (${currentBackend()})`, () => {
  const clock = createTestClock();
  const ctx = useTestServer({ clock });
  let corp: FakeUpstream;

  beforeAll(async () => {
    corp = await startFakeUpstream({ name: 'corp', redirectUris: [`${ctx.server.issuer}/federation/callback/corp`] });
    // Not trusted with e-mail: its identities never link automatically, only by proven ownership.
    await ctx.server.latchkey.services.providers.add({ name: 'corp', issuer: corp.issuer, clientId: corp.clientId, clientSecret: corp.clientSecret, displayName: 'Corp SSO' });
  });
  afterAll(async () => {
    clock.reset();
    await corp?.stop();
  });

  const url = (path: string) => `${ctx.server.issuer}${path}`;
  const identitiesOf = async (userId: string) => (await ctx.server.latchkey.services.identities.listForUser(userId)).map((identity) => identity.provider);

  /** Opens /account signed out, signs in on the hosted login page and lands on the account page. */
  async function signInToAccount(agent: UserAgent, username: string): Promise<PageResponse> {
    const login = await agent.navigate(url('/account'));
    expect(login.url).toMatch(/\/interaction\//);
    const submitted = await agent.submit(login, 'form#login-form', { username, password: PASSWORD });
    const page = await agent.follow(submitted);
    expect(page.url).toBe(url('/account'));
    expect(page.status).toBe(200);
    return page;
  }

  async function createUser(username: string) {
    return ctx.server.latchkey.services.users.create({ username, email: `${username}@example.com`, emailVerified: true, password: PASSWORD });
  }

  it('sends a signed-out visitor through the hosted login and back, then shows the profile without secrets', async () => {
    const user = await createUser('ada');
    const agent = new UserAgent();
    const first = await agent.request(url('/account'));
    expect(first.status).toBe(303);
    expect(first.location).toBe(url('/account/sign-in?return=%2Faccount'));
    const page = await signInToAccount(agent, 'ada');
    const html = parse(page.html);
    expect(html.querySelector('#account-profile')?.text).toContain('ada@example.com');
    expect(html.querySelector('#account-profile')?.text).toContain('verified');
    expect(page.html).not.toContain(user.id);
    expect(html.querySelector('a#link-corp')?.getAttribute('aria-label')).toBe('Link Corp SSO');
    expect(page.headers.get('cache-control')).toBe('no-store');
  });

  it('links an upstream identity to the signed-in user, who can then sign in with it as the same account', async () => {
    const user = await createUser('bea');
    const agent = new UserAgent();
    const page = await signInToAccount(agent, 'bea');
    // The upstream says a different, unverified address: ownership is proven by the local sign-in alone.
    corp.next({ account: 'corp-bea', claims: { email: 'b.smith@corp.example', email_verified: false } });
    const linked = await agent.navigate(new URL(parse(page.html).querySelector('a#link-corp')!.getAttribute('href')!, page.url).toString());
    expect(linked.url).toBe(url('/account?notice=linked'));
    expect(parse(linked.html).querySelector('[role="status"]')?.text).toContain('linked');
    expect(parse(linked.html).querySelector('#identity-corp')?.text).toContain('Corp SSO');
    expect(await identitiesOf(user.id)).toEqual(['corp']);
    expect(parse(linked.html).querySelector('a#link-corp')).toBeNull();

    // Signing in through the upstream now reaches the same account.
    corp.next({ account: 'corp-bea', claims: {} });
    const fresh = new UserAgent();
    const login = await fresh.navigate(url('/account'));
    const viaCorp = await fresh.navigate(new URL(parse(login.html).querySelector('a#federation-corp')!.getAttribute('href')!, login.url).toString());
    expect(viaCorp.url).toBe(url('/account'));
    expect(parse(viaCorp.html).querySelector('#account-profile')?.text).toContain('bea@example.com');
  });

  it('refuses an upstream answer that arrives in a browser which did not start the link (linking CSRF), linking nothing', async () => {
    const attacker = await createUser('mallory');
    const victim = await createUser('victor');
    const attackerAgent = new UserAgent();
    const attackerPage = await signInToAccount(attackerAgent, 'mallory');
    // The attacker starts a link and stops before the callback, keeping the URL with their upstream code.
    corp.next({ account: 'corp-mallory', claims: {} });
    const start = await attackerAgent.request(new URL(parse(attackerPage.html).querySelector('a#link-corp')!.getAttribute('href')!, attackerPage.url).toString());
    const callback = await attackerAgent.follow(start, url('/federation/callback/corp'));
    expect(callback.location).toMatch(/\/federation\/callback\/corp\?/);

    const victimAgent = new UserAgent();
    await signInToAccount(victimAgent, 'victor');
    const landed = await victimAgent.navigate(callback.location!);
    expect(landed.url).toBe(url('/account?notice=link_expired'));
    expect(alertText(landed.html)).toContain('expired');
    expect(await identitiesOf(victim.id)).toEqual([]);
    expect(await identitiesOf(attacker.id)).toEqual([]);
  });

  it('asks for a fresh sign-in (prompt=login) before linking when the last one is older than ten minutes', async () => {
    await createUser('cid');
    const agent = new UserAgent();
    await signInToAccount(agent, 'cid');
    clock.advance(11 * 60);
    try {
      const stale = await agent.request(url('/account/link/corp'));
      expect(stale.location).toBe(url('/account/sign-in?return=%2Faccount%2Flink%2Fcorp&fresh=1'));
      const authorize = await agent.request(stale.location!);
      expect(new URL(authorize.location!).searchParams.get('prompt')).toBe('login');
      // Unlinking is a change of how the user signs in too.
      const page = await agent.navigate(url('/account'));
      const unlink = await agent.request(url('/account/identities/unlink'), { method: 'POST', body: new URLSearchParams({ provider: 'corp', csrf: parse(page.html).querySelector('input[name="csrf"]')!.getAttribute('value')! }) });
      expect(unlink.location).toBe(url('/account/sign-in?return=%2Faccount&fresh=1'));
    } finally {
      clock.reset();
    }
  });

  it('refuses to link an upstream account that belongs to another user, and a form without its CSRF token', async () => {
    const owner = await createUser('dora');
    const ownerAgent = new UserAgent();
    const ownerPage = await signInToAccount(ownerAgent, 'dora');
    corp.next({ account: 'corp-shared', claims: {} });
    await ownerAgent.navigate(new URL(parse(ownerPage.html).querySelector('a#link-corp')!.getAttribute('href')!, ownerPage.url).toString());
    expect(await identitiesOf(owner.id)).toEqual(['corp']);

    const other = await createUser('eve');
    const agent = new UserAgent();
    const page = await signInToAccount(agent, 'eve');
    corp.next({ account: 'corp-shared', claims: {} });
    const refused = await agent.navigate(url('/account/link/corp'));
    expect(refused.url).toBe(url('/account?notice=linked_elsewhere'));
    expect(alertText(refused.html)).toContain('already linked to another user');
    expect(await identitiesOf(other.id)).toEqual([]);
    expect(await identitiesOf(owner.id)).toEqual(['corp']);

    const forged = await agent.request(url('/account/sign-out-everywhere'), { method: 'POST', body: new URLSearchParams({}) });
    expect(forged.status).toBe(403);
    expect(parse(page.html).querySelector('form#sign-out-everywhere-form')).not.toBeNull();
  });

  it('unlinks an identity, but never a federated-only user\'s last way to sign in', async () => {
    const user = await createUser('finn');
    const agent = new UserAgent();
    const page = await signInToAccount(agent, 'finn');
    corp.next({ account: 'corp-finn', claims: {} });
    const linked = await agent.navigate(new URL(parse(page.html).querySelector('a#link-corp')!.getAttribute('href')!, page.url).toString());
    const unlinked = await agent.follow(await agent.submit(linked, '#identity-corp form'));
    expect(unlinked.url).toBe(url('/account?notice=unlinked'));
    expect(await identitiesOf(user.id)).toEqual([]);

    // A user created by a first federated sign-in has no password: the identity is their only way in.
    corp.next({ account: 'corp-only', claims: { name: 'Only Fed' } });
    const fedAgent = new UserAgent();
    const viaCorp = await fedAgent.navigate(url('/account'));
    const fedPage = await fedAgent.navigate(new URL(parse(viaCorp.html).querySelector('a#federation-corp')!.getAttribute('href')!, viaCorp.url).toString());
    expect(fedPage.url).toBe(url('/account'));
    const refused = await fedAgent.submit(fedPage, '#identity-corp form');
    expect(refused.status).toBe(409);
    expect(alertText(refused.html)).toContain('only way to sign in');
  });

  it('signs out everywhere: every session of the user ends, so the account page asks to sign in again', async () => {
    await createUser('gail');
    const agent = new UserAgent();
    const other = new UserAgent();
    const page = await signInToAccount(agent, 'gail');
    await signInToAccount(other, 'gail');
    const done = await agent.submit(page, 'form#sign-out-everywhere-form');
    expect(done.status).toBe(200);
    expect(parse(done.html).querySelector('[role="status"]')?.text).toContain('signed out on every device');
    for (const browser of [agent, other]) {
      const again = await browser.request(url('/account'));
      expect(again.location).toBe(url('/account/sign-in?return=%2Faccount'));
    }
  });

  it('saves the profile, keeps an immutable attribute that has a value, and refuses a bad value by field', async () => {
    const { services } = ctx.server.latchkey;
    await services.attributes.declare({ name: 'badge', type: 'string', mutable: false });
    await services.attributes.declare({ name: 'floor', type: 'number', mutable: true });
    const user = await services.users.create({ username: 'hana', email: 'hana@example.com', emailVerified: true, password: PASSWORD, customAttributes: { badge: 'B-1' } });
    const agent = new UserAgent();
    const page = await signInToAccount(agent, 'hana');
    expect(parse(page.html).querySelector('input[name="custom:badge"]')).toBeNull();
    expect(parse(page.html).querySelector('#profile-custom-badge')?.text).toContain('B-1');
    const saved = await agent.follow(await agent.submit(page, 'form#profile-form', { given_name: 'Hana', family_name: 'Sato', 'custom:floor': '3' }));
    expect(saved.url).toBe(url('/account?notice=profile_saved'));
    expect(await services.users.findById(user.id)).toMatchObject({ profile: { given_name: 'Hana', family_name: 'Sato' }, custom_attributes: { badge: 'B-1', floor: 3 } });
    // A forged field for the immutable attribute is refused by the directory, naming it.
    const forged = await agent.request(url('/account/profile'), { method: 'POST', body: new URLSearchParams({ csrf: parse(saved.html).querySelector('input[name="csrf"]')!.getAttribute('value')!, 'custom:badge': 'B-2' }) });
    expect(forged.status).toBe(400);
    expect(parse(forged.html).querySelector('[role="alert"]')).not.toBeNull();
    const bad = await agent.submit(saved, 'form#profile-form', { 'custom:floor': 'upstairs' });
    expect(bad.status).toBe(400);
    expect(parse(bad.html).querySelector('#profile-custom-floor-error')).not.toBeNull();
    expect((await services.users.findById(user.id))!.custom_attributes).toEqual({ badge: 'B-1', floor: 3 });
  });

  it('changes the password only with the current one, refuses a weak one, and signs out everywhere', async () => {
    const user = await createUser('ivan');
    const agent = new UserAgent();
    const other = new UserAgent();
    const page = await signInToAccount(agent, 'ivan');
    await signInToAccount(other, 'ivan');
    const wrong = await agent.submit(page, 'form#password-form', { current_password: 'not my password at all', new_password: 'a fresh and long passphrase' });
    expect(wrong.status).toBe(400);
    expect(parse(wrong.html).querySelector('#current_password-error')?.text).toContain('not right');
    const weak = await agent.submit(page, 'form#password-form', { current_password: PASSWORD, new_password: 'password' });
    expect(weak.status).toBe(400);
    expect(parse(weak.html).querySelector('#new_password-error')).not.toBeNull();
    const done = await agent.submit(page, 'form#password-form', { current_password: PASSWORD, new_password: 'a fresh and long passphrase' });
    expect(done.status).toBe(200);
    expect(parse(done.html).querySelector('[role="status"]')?.text).toContain('password was changed');
    for (const browser of [agent, other]) expect((await browser.request(url('/account'))).location).toBe(url('/account/sign-in?return=%2Faccount'));
    const { valid } = await ctx.server.latchkey.services.hasher.verify((await ctx.server.latchkey.services.users.findById(user.id))!.password_hash!, 'a fresh and long passphrase');
    expect(valid).toBe(true);
  });

  it('lists the apps the user is signed in to and signs out of one, whose refresh token then stops working', async () => {
    const { services } = ctx.server.latchkey;
    await createUser('jade');
    const shop = await services.clients.create({ name: 'Jade Shop', redirectUris: ['http://localhost:8976/callback'], firstParty: true });
    const config = await discover(ctx.server, shop);
    const browser = new UserAgent();
    const { page: login, verifier } = await openLoginPage(browser, config);
    const tokens = await oidc.authorizationCodeGrant(config, new URL(await signInToCallback(browser, login, 'jade', PASSWORD)), { pkceCodeVerifier: verifier });
    expect(tokens.refresh_token).toBeDefined();

    const page = await browser.navigate(url('/account'));
    const apps = parse(page.html).querySelectorAll('#account-apps li');
    expect(apps.map((li) => li.querySelector('strong')?.text)).toEqual(['Jade Shop']);
    // Another user's grant id is refused, changing nothing.
    const forged = await browser.request(url('/account/apps/sign-out'), { method: 'POST', body: new URLSearchParams({ csrf: parse(page.html).querySelector('input[name="csrf"]')!.getAttribute('value')!, grant: 'not-a-grant-of-jade' }) });
    expect(forged.status).toBe(404);
    const done = await browser.follow(await browser.submit(page, '#account-apps li form'));
    expect(done.url).toBe(url('/account?notice=app_signed_out'));
    expect(parse(done.html).querySelectorAll('#account-apps li')).toHaveLength(0);
    await expect(oidc.refreshTokenGrant(config, tokens.refresh_token!)).rejects.toMatchObject({ error: 'invalid_grant' });
  });

  it('lets a user delete their own account only where the pool allows it, after typing the confirmation', async () => {
    const { services } = ctx.server.latchkey;
    const user = await createUser('kai');
    const agent = new UserAgent();
    const page = await signInToAccount(agent, 'kai');
    expect(parse(page.html).querySelector('form#delete-account-form')).toBeNull();
    const csrf = parse(page.html).querySelector('input[name="csrf"]')!.getAttribute('value')!;
    const refused = await agent.request(url('/account/delete'), { method: 'POST', body: new URLSearchParams({ csrf, confirm: 'DELETE' }) });
    expect(refused.status).toBe(403);
    expect(await services.users.findById(user.id)).toBeDefined();

    await services.userPool.setSelfDelete(true);
    try {
      const allowed = await agent.navigate(url('/account'));
      const unconfirmed = await agent.submit(allowed, 'form#delete-account-form', { confirm: 'yes' });
      expect(unconfirmed.status).toBe(400);
      expect(parse(unconfirmed.html).querySelector('#confirm-error')?.text).toContain('DELETE');
      expect(await services.users.findById(user.id)).toBeDefined();
      const deleted = await agent.submit(allowed, 'form#delete-account-form', { confirm: 'DELETE' });
      expect(deleted.status).toBe(200);
      expect(parse(deleted.html).querySelector('[role="status"]')?.text).toContain('deleted');
      expect(await services.users.findById(user.id)).toBeUndefined();
      expect((await agent.request(url('/account'))).location).toBe(url('/account/sign-in?return=%2Faccount'));
    } finally {
      await services.userPool.setSelfDelete(false);
    }
  });

  /** The newest code mailed to `to`, read from the development outbox (no SMTP is configured here). */
  async function mailedCode(to: string): Promise<string> {
    for (let i = 0; i < 50; i += 1) {
      const { rows } = await ctx.server.db.query<{ text_body: string }>('SELECT text_body FROM dev_outbox WHERE lower(recipient) = lower($1) ORDER BY id DESC LIMIT 1', [to]);
      const code = rows[0] && /\b(\d{6})\b/.exec(rows[0].text_body)?.[1];
      if (code) return code;
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
    throw new Error(`no code mailed to ${to}`);
  }

  it('changes the address only once a code mailed to the new one comes back; the old one stays until then', async () => {
    const { services } = ctx.server.latchkey;
    const user = await createUser('lena');
    await createUser('otto');
    const agent = new UserAgent();
    const page = await signInToAccount(agent, 'lena');
    const bad = await agent.submit(page, 'form#email-form', { email: 'not an address' });
    expect(bad.status).toBe(400);
    expect(parse(bad.html).querySelector('#new_email-error')).not.toBeNull();

    const asked = await agent.follow(await agent.submit(page, 'form#email-form', { email: 'lena.new@example.com' }));
    expect(asked.url).toBe(url('/account?notice=email_code_sent'));
    expect(await services.users.findById(user.id)).toMatchObject({ email: 'lena@example.com', email_verified: true });
    const firstCode = await mailedCode('lena.new@example.com');
    const wrong = await agent.submit(asked, 'form#email-verify-form', { code: firstCode === '000000' ? '111111' : '000000' });
    expect(wrong.status).toBe(400);
    expect(parse(wrong.html).querySelector('#email_code-error')?.text).toContain('not right');

    // Asking for another address makes the first code worthless, even if it arrives later.
    await ctx.server.db.query("DELETE FROM rate_limits WHERE key LIKE 'mail:email_change:%'");
    const again = await agent.follow(await agent.submit(asked, 'form#email-form', { email: 'lena.final@example.com' }));
    const stale = await agent.submit(again, 'form#email-verify-form', { code: firstCode });
    expect(stale.status).toBe(400);
    const done = await agent.follow(await agent.submit(again, 'form#email-verify-form', { code: await mailedCode('lena.final@example.com') }));
    expect(done.url).toBe(url('/account?notice=email_changed'));
    expect(await services.users.findById(user.id)).toMatchObject({ email: 'lena.final@example.com', email_verified: true });

    // Another account's address: the change is refused when it would apply, and nothing changes.
    await ctx.server.db.query("DELETE FROM rate_limits WHERE key LIKE 'mail:email_change:%'");
    const taken = await agent.follow(await agent.submit(done, 'form#email-form', { email: 'OTTO@example.com' }));
    const conflict = await agent.submit(taken, 'form#email-verify-form', { code: await mailedCode('OTTO@example.com') });
    expect(conflict.status).toBe(409);
    expect(await services.users.findById(user.id)).toMatchObject({ email: 'lena.final@example.com' });
  });

  it('keeps its own client: deleting it is refused', async () => {
    await expect(ctx.server.latchkey.services.clients.delete('latchkey-account')).rejects.toThrow("Latchkey's own client");
    expect((await ctx.server.latchkey.services.clients.list()).some((client) => client.client_id === 'latchkey-account')).toBe(true);
  });
});
