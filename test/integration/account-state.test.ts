import * as oidc from 'openid-client';
import { beforeAll, describe, expect, it } from 'vitest';
import { currentBackend } from '../support/backend.js';
import { PASSWORD, REDIRECT_URI } from '../support/fixtures.js';
import { openLoginPage, signInToCallback } from '../support/flows.js';
import { discover, useTestServer } from '../support/harness.js';
import { alertText, UserAgent } from '../support/user-agent.js';

/** Account status is enforced (Cognito's states), everywhere a user acts, from one rule. */
describe(`account state (${currentBackend()})`, () => {
  const ctx = useTestServer();
  let config: oidc.Configuration;

  beforeAll(async () => {
    const client = await ctx.server.latchkey.services.clients.create({ name: 'States', redirectUris: [REDIRECT_URI] });
    config = await discover(ctx.server, client);
  });

  const setStatus = (username: string, status: string) => ctx.server.db.query('UPDATE users SET status = $2 WHERE username = $1', [username, status]);

  async function attempt(username: string, password: string) {
    const agent = new UserAgent();
    const { page } = await openLoginPage(agent, config);
    const response = await agent.submit(page, 'form#login-form', { username, password });
    return { status: response.status, alert: alertText(response.html) };
  }

  async function signIn(username: string) {
    const agent = new UserAgent();
    const { page, verifier } = await openLoginPage(agent, config);
    return oidc.authorizationCodeGrant(config, new URL(await signInToCallback(agent, page, username, PASSWORD)), { pkceCodeVerifier: verifier });
  }

  it('creates administrator-made accounts confirmed, with email_verified a separate flag that does not gate sign-in', async () => {
    const user = await ctx.server.latchkey.services.users.create({ username: 'una', email: 'una@example.com', password: PASSWORD });
    expect(user).toMatchObject({ status: 'confirmed', email_verified: false });
    const tokens = await signIn('una');
    expect(tokens.claims()).toMatchObject({ sub: user.id, email_verified: false });
  });

  it('refuses an unconfirmed user, saying so only to someone who typed the right password', async () => {
    const user = await ctx.server.latchkey.services.users.create({ username: 'ugo', password: PASSWORD, emailVerified: true, status: 'unconfirmed' });
    expect(user).toMatchObject({ status: 'unconfirmed', email_verified: true });
    expect(await attempt('ugo', 'wrong password')).toEqual({ status: 401, alert: 'Incorrect username or password.' });
    const refused = await attempt('ugo', PASSWORD);
    expect(refused.status).toBe(401);
    expect(refused.alert).toMatch(/not confirmed/);
  });

  it('refuses the old password of a user whose password must be reset', async () => {
    await ctx.server.latchkey.services.users.create({ username: 'rex', password: PASSWORD });
    await setStatus('rex', 'reset_required');
    expect(await attempt('rex', 'wrong password')).toEqual({ status: 401, alert: 'Incorrect username or password.' });
    const refused = await attempt('rex', PASSWORD);
    expect(refused.status).toBe(401);
    expect(refused.alert).toMatch(/password reset is required/);
  });

  it('stops the tokens of a user who is no longer confirmed at userinfo, introspection, the token endpoint and findActingUser, and lets them work again once confirmed', async () => {
    const user = await ctx.server.latchkey.services.users.create({ username: 'tess', password: PASSWORD });
    const tokens = await signIn('tess');
    const userinfo = async () => (await fetch(`${ctx.server.issuer}/me`, { headers: { authorization: `Bearer ${tokens.access_token}` } })).status;
    expect(await userinfo()).toBe(200);
    for (const status of ['unconfirmed', 'reset_required']) {
      await setStatus('tess', status);
      expect(await userinfo()).toBe(401);
      expect(await oidc.tokenIntrospection(config, tokens.access_token)).toEqual({ active: false });
      expect(await ctx.server.latchkey.services.users.findActingUser(user.id)).toBeUndefined();
    }
    await expect(oidc.refreshTokenGrant(config, tokens.refresh_token!)).rejects.toMatchObject({ error: 'invalid_grant' });
    await setStatus('tess', 'confirmed');
    // The state is checked on every use, not burnt into the grant: confirmed again, the same token works.
    expect(await userinfo()).toBe(200);
    expect(await ctx.server.latchkey.services.users.findActingUser(user.id)).toMatchObject({ id: user.id, groups: [] });
  });
});

describe(`user updates (${currentBackend()})`, () => {
  const ctx = useTestServer();

  it('changes username, e-mail and profile in one update; a new address starts unverified', async () => {
    const { users } = ctx.server.latchkey.services;
    const user = await users.create({ username: 'vic', email: 'vic@example.com', password: PASSWORD, emailVerified: true, profile: { name: 'Vic', given_name: 'Vic' } });
    const renamed = await users.update('vic', { username: 'Victor', profile: { name: 'Victor Hugo', given_name: '' } }, { actor: 'admin' });
    expect(renamed).toMatchObject({ id: user.id, username: 'Victor', email_verified: true, profile: { name: 'Victor Hugo' } });
    // Same address in another case: still verified. A new address: unverified unless the change says so.
    expect(await users.update('victor', { email: 'VIC@example.com' }, { actor: 'admin' })).toMatchObject({ email: 'VIC@example.com', email_verified: true });
    expect(await users.update('victor', { email: 'hugo@example.com' }, { actor: 'admin' })).toMatchObject({ email: 'hugo@example.com', email_verified: false });
    expect(await users.update('HUGO@example.com', { email: 'vh@example.com', emailVerified: true }, { actor: 'admin' })).toMatchObject({ email_verified: true });
    expect((await users.resolve('ＶＩＣＴＯＲ')).id).toBe(user.id);
  });

  it('answers 409 when the new username or e-mail is another user\'s in any case or Unicode form, changing nothing', async () => {
    const { users } = ctx.server.latchkey.services;
    await users.create({ username: 'wen', email: 'wen@example.com', password: PASSWORD });
    const other = await users.create({ username: 'xia', email: 'xia@example.com', password: PASSWORD });
    await expect(users.update('xia', { username: 'ＷＥＮ' }, { actor: 'admin' })).rejects.toMatchObject({ status: 409, code: 'conflict' });
    await expect(users.update('xia', { email: 'Wen@Example.com', username: 'xia2' }, { actor: 'admin' })).rejects.toMatchObject({ status: 409 });
    expect(await users.resolve('xia')).toMatchObject({ id: other.id, username: 'xia', email: 'xia@example.com' });
  });

  it('refuses invalid or empty changes, and a user setting their own email_verified', async () => {
    const { users } = ctx.server.latchkey.services;
    await users.create({ username: 'yan', password: PASSWORD });
    await expect(users.update('yan', { email: 'not-an-email' }, { actor: 'admin' })).rejects.toMatchObject({ status: 400, details: [{ path: 'email', message: 'is not an e-mail address' }] });
    await expect(users.update('yan', {}, { actor: 'admin' })).rejects.toMatchObject({ status: 400, message: expect.stringMatching(/nothing to change/) as unknown });
    await expect(users.update('yan', { emailVerified: true }, { actor: 'user' })).rejects.toMatchObject({ status: 400, details: [{ path: 'email_verified' }] });
    await expect(users.update('nobody', { username: 'zed' }, { actor: 'admin' })).rejects.toMatchObject({ status: 404 });
  });
});
