import * as oidc from 'openid-client';
import { createRemoteJWKSet, jwtVerify, type JWTPayload } from 'jose';
import { beforeAll, describe, expect, it } from 'vitest';
import { createClientSettings } from '../../src/oidc/client-settings.js';
import { currentBackend } from '../support/backend.js';
import { PASSWORD, REDIRECT_URI, seedDirectory } from '../support/fixtures.js';
import { openLoginPage, signInToCallback } from '../support/flows.js';
import { discover, useTestServer } from '../support/harness.js';
import { UserAgent } from '../support/user-agent.js';

const COGNITO_ONLY = ['token_use', 'cognito:username', 'cognito:groups', 'username', 'origin_jti'];

/**
 * `--cognito-claims`: a client's ID and access tokens also carry Cognito's claims, beside the standard ones,
 * and only that client's; userinfo stays standard.
 */
describe(`Cognito's claims on request (${currentBackend()})`, () => {
  const ctx = useTestServer();
  let cognitoApp: oidc.Configuration;
  let plainApp: oidc.Configuration;
  let userId: string;
  const verify = async (token: string): Promise<JWTPayload> =>
    (await jwtVerify(token, createRemoteJWKSet(new URL(`${ctx.server.issuer}/jwks`)), { issuer: ctx.server.issuer })).payload;
  const signIn = async (config: oidc.Configuration, username: string) => {
    const agent = new UserAgent();
    const { page, verifier } = await openLoginPage(agent, config, { scope: 'openid email' });
    return oidc.authorizationCodeGrant(config, new URL(await signInToCallback(agent, page, username, PASSWORD)), { pkceCodeVerifier: verifier });
  };

  beforeAll(async () => {
    const { services } = ctx.server.latchkey;
    const { user, client } = await seedDirectory(services);
    userId = user.id;
    plainApp = await discover(ctx.server, client);
    const cognito = await services.clients.create({ name: 'Amplify app', redirectUris: [REDIRECT_URI], cognitoClaims: true, firstParty: true });
    expect(cognito.cognito_claims).toBe(true);
    cognitoApp = await discover(ctx.server, cognito);
    await services.users.create({ email: 'nogroup@example.com', password: PASSWORD, emailVerified: true });
  });

  it('adds token_use, cognito:username, cognito:groups and origin_jti to the ID token, and token_use, username, cognito:groups and origin_jti to the access token, keeping the standard claims', async () => {
    const tokens = await signIn(cognitoApp, 'alice');
    const id = await verify(tokens.id_token!);
    expect(id).toMatchObject({ sub: userId, token_use: 'id', 'cognito:username': 'alice', 'cognito:groups': ['admins', 'staff'], groups: ['admins', 'staff'], email: 'alice@example.com' });
    const access = await verify(tokens.access_token);
    expect(access).toMatchObject({ sub: userId, token_use: 'access', username: 'alice', 'cognito:groups': ['admins', 'staff'], groups: ['admins', 'staff'] });
    // The sign-in the tokens come from: the grant, kept by a refresh.
    expect(access.origin_jti).toBe(access.grant_id);
    expect(id.origin_jti).toBe(access.origin_jti);
    expect(typeof access.client_id).toBe('string');
    expect(typeof access.iat).toBe('number');
    // Userinfo answers the standard claims, as Cognito's does.
    const info = await oidc.fetchUserInfo(cognitoApp, tokens.access_token, userId);
    for (const claim of COGNITO_ONLY) expect(info).not.toHaveProperty(claim);
    // A refreshed pair carries them too.
    const refreshed = await oidc.refreshTokenGrant(cognitoApp, tokens.refresh_token!);
    expect(await verify(refreshed.access_token)).toMatchObject({ token_use: 'access', username: 'alice' });
  });

  it('names a user without a username by their sub and leaves cognito:groups out for a user in no group, as Cognito does', async () => {
    const tokens = await signIn(cognitoApp, 'nogroup@example.com');
    const id = await verify(tokens.id_token!);
    expect(id['cognito:username']).toBe(id.sub);
    expect(id).not.toHaveProperty('cognito:groups');
    expect((await verify(tokens.access_token)).username).toBe(id.sub);
  });

  it('gives another client the standard claims only', async () => {
    const tokens = await signIn(plainApp, 'alice');
    const id = await verify(tokens.id_token!);
    const access = await verify(tokens.access_token);
    for (const claim of COGNITO_ONLY) {
      expect(id).not.toHaveProperty(claim);
      expect(access).not.toHaveProperty(claim);
    }
    expect(access.groups).toEqual(['admins', 'staff']);
  });

  it('marks a machine client\'s access token with token_use only, and the setting can be turned off', async () => {
    const { services } = ctx.server.latchkey;
    const machine = await services.clients.create({ name: 'Worker', grantTypes: ['client_credentials'], scope: 'reports:read', cognitoClaims: true });
    const config = await discover(ctx.server, machine);
    const access = await verify((await oidc.clientCredentialsGrant(config, { scope: 'reports:read' })).access_token);
    expect(access.token_use).toBe('access');
    expect(access).not.toHaveProperty('username');

    await createClientSettings({ db: ctx.server.db }).update(machine.client_id, { cognitoClaims: false });
    expect((await services.clients.find(machine.client_id))?.cognito_claims).toBe(false);
    // Another writer's change (as a CLI command's) reaches the server's client cache by NOTIFY, at commit.
    await expect.poll(async () => (await verify((await oidc.clientCredentialsGrant(config, { scope: 'reports:read' })).access_token)).token_use, { timeout: 5000 }).toBeUndefined();
  });
});
