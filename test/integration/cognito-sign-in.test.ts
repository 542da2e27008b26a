import {
  CognitoIdentityProviderClient, GetTokensFromRefreshTokenCommand, GetUserCommand, GlobalSignOutCommand, InitiateAuthCommand,
  RespondToAuthChallengeCommand, RevokeTokenCommand,
} from '@aws-sdk/client-cognito-identity-provider';
import { Agent } from 'node:http';
import { createRemoteJWKSet, jwtVerify } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { currentBackend } from '../support/backend.js';
import { createTestClock } from '../support/clock.js';
import { PASSWORD } from '../support/fixtures.js';
import { useTestServer } from '../support/harness.js';
import { AdminApiClient, clientToken } from '../support/admin-api.js';
import { runCli } from '../support/processes.js';
import { TEST_SECRET } from '../support/test-server.js';
import type { Database } from '../../src/db/database.js';
import { applyConfig } from '../../src/declarative/apply-config.js';
import { parseConfigText } from '../../src/declarative/read-config-file.js';
import { resolveConfig } from '../../src/declarative/resolve-config.js';
import { createLogger } from '../../src/lib/logger.js';
import { createServices } from '../../src/services.js';
import { authenticatorCode, wrongCode } from '../support/totp.js';
import { SIGN_IN_GRANT } from '../../src/oidc/sign-in-grant.js';

/**
 * Cognito-compatible sign-in with the real AWS SDK client pointed at Latchkey: USER_PASSWORD_AUTH per app
 * client, its refusals in Cognito's names, the SOFTWARE_TOKEN_MFA challenge with a single-use Session, refresh
 * (rotation, and reuse revoking the grant), GetUser, GlobalSignOut and RevokeToken, and the tokens being the
 * provider's own (verified with the JWKS, working at userinfo).
 */
describe(`Cognito-compatible sign-in API (${currentBackend()})`, () => {
  const clock = createTestClock();
  const ctx = useTestServer({ clock });
  let cognito: CognitoIdentityProviderClient;
  let ClientId: string;
  let srpOnlyClientId: string;

  const services = () => ctx.server.latchkey.services;
  beforeAll(async () => {
    const { clients, groups } = services();
    ClientId = (await clients.create({ name: 'Password app', public: true, grantTypes: ['refresh_token'], scope: 'openid profile email', explicitAuthFlows: ['ALLOW_USER_PASSWORD_AUTH', 'ALLOW_REFRESH_TOKEN_AUTH'] })).client_id;
    srpOnlyClientId = (await clients.create({ name: 'Default app', public: true, grantTypes: ['refresh_token'] })).client_id;
    await groups.create({ name: 'editors', precedence: 1 });
    // No retries, so every refusal reaches the test; no kept-alive sockets, since a call after the seconds a CLI
    // run takes could race the server closing an idle one (a reset the SDK reports as TimeoutError).
    cognito = new CognitoIdentityProviderClient({
      endpoint: ctx.server.issuer, region: 'us-east-1', credentials: { accessKeyId: 'unused', secretAccessKey: 'unused' }, maxAttempts: 1,
      requestHandler: { httpAgent: new Agent({ keepAlive: false }) },
    });
  });
  afterAll(() => {
    cognito?.destroy();
    clock.reset();
  });

  const createUser = (username: string, extra: Parameters<ReturnType<typeof services>['users']['create']>[0] = {}) =>
    services().users.create({ username, email: `${username}@example.com`, emailVerified: true, password: PASSWORD, ...extra });
  const passwordAuth = (USERNAME: string, PASSWORD_: string, client = ClientId) =>
    cognito.send(new InitiateAuthCommand({ ClientId: client, AuthFlow: 'USER_PASSWORD_AUTH', AuthParameters: { USERNAME, PASSWORD: PASSWORD_ } }));
  async function refusal(call: Promise<unknown>): Promise<{ name: string; message: string; status: number | undefined }> {
    const error = await call.then(() => { throw new Error('the call was not refused'); }, (e: unknown) => e as { name: string; message: string; $metadata?: { httpStatusCode?: number } });
    return { name: error.name, message: error.message, status: error.$metadata?.httpStatusCode };
  }

  it('signs in with USER_PASSWORD_AUTH: JWKS-verified ID and access tokens with the claims /token gives, ExpiresIn and Bearer, usable at userinfo', async () => {
    const user = await createUser('ada', { profile: { given_name: 'Ada' }, groups: ['editors'] });
    const { AuthenticationResult: result, ChallengeName } = await passwordAuth('ada@example.com', PASSWORD);
    expect(ChallengeName).toBeUndefined();
    expect(result).toMatchObject({ TokenType: 'Bearer', ExpiresIn: 3600 });
    expect(result?.RefreshToken).toBeTruthy();
    const jwks = createRemoteJWKSet(new URL(`${ctx.server.issuer}/jwks`));
    const access = await jwtVerify(result!.AccessToken!, jwks, { issuer: ctx.server.issuer, typ: 'at+jwt', audience: ctx.server.issuer });
    expect(access.payload).toMatchObject({ sub: user.id, client_id: ClientId, groups: ['editors'] });
    expect(String(access.payload.scope).split(' ')).toEqual(expect.arrayContaining(['openid', 'profile', 'email']));
    const id = await jwtVerify(result!.IdToken!, jwks, { issuer: ctx.server.issuer, audience: ClientId });
    expect(id.payload).toMatchObject({ sub: user.id, email: 'ada@example.com', given_name: 'Ada', groups: ['editors'], amr: ['pwd'] });
    expect(typeof id.payload.auth_time).toBe('number');
    const userinfo = await fetch(`${ctx.server.issuer}/me`, { headers: { authorization: `Bearer ${result!.AccessToken}` } });
    expect(userinfo.status).toBe(200);
    expect(await userinfo.json()).toMatchObject({ sub: user.id, email: 'ada@example.com' });
  });

  it('refuses a wrong password and an unknown user alike (NotAuthorizedException), an unconfirmed user (UserNotConfirmedException) and a disabled one ("User is disabled."), and a required reset (PasswordResetRequiredException), all 400', async () => {
    await createUser('bea');
    await createUser('cid', { status: 'unconfirmed' });
    await createUser('dot');
    await services().users.setEnabled('dot', false);
    const wrong = await refusal(passwordAuth('bea', 'not the password at all'));
    const unknown = await refusal(passwordAuth('nobody-here', PASSWORD));
    expect(wrong).toEqual({ name: 'NotAuthorizedException', message: 'Incorrect username or password.', status: 400 });
    expect(unknown).toEqual(wrong);
    expect(await refusal(passwordAuth('cid', PASSWORD))).toMatchObject({ name: 'UserNotConfirmedException', status: 400 });
    expect(await refusal(passwordAuth('dot', PASSWORD))).toEqual({ name: 'NotAuthorizedException', message: 'User is disabled.', status: 400 });
    await createUser('ned');
    await services().users.requireReset('ned');
    expect(await refusal(passwordAuth('ned', PASSWORD))).toMatchObject({ name: 'PasswordResetRequiredException', status: 400 });
  });

  it('issues no tokens from the password alone to a user whose group requires MFA but who has no authenticator (MFA_SETUP with a Session instead)', async () => {
    await services().groups.create({ name: 'vault' });
    await services().mfa.setGroupRequired('vault', true);
    await createUser('pam', { groups: ['vault'] });
    const answer = await passwordAuth('pam', PASSWORD);
    expect(answer.AuthenticationResult).toBeUndefined();
    expect(answer.ChallengeName).toBe('MFA_SETUP');
    expect(answer.Session).toBeTruthy();
  });

  it('refuses USER_PASSWORD_AUTH for a client that does not enable it (InvalidParameterException), and the in-process grant type at /token (nor lists it in discovery)', async () => {
    await createUser('eve');
    expect(await refusal(passwordAuth('eve', PASSWORD, srpOnlyClientId))).toEqual({ name: 'InvalidParameterException', message: 'USER_PASSWORD_AUTH flow not enabled for this client', status: 400 });
    const direct = await fetch(`${ctx.server.issuer}/token`, {
      method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ grant_type: SIGN_IN_GRANT, client_id: ClientId, username: 'eve', password: PASSWORD }),
    });
    expect(direct.status).toBe(400);
    expect(await direct.json()).not.toHaveProperty('access_token');
    const discovery = await (await fetch(`${ctx.server.issuer}/.well-known/openid-configuration`)).json() as { grant_types_supported: string[] };
    expect(discovery.grant_types_supported).toContain('refresh_token');
    expect(discovery.grant_types_supported).not.toContain(SIGN_IN_GRANT);
  });

  it('asks a user with an authenticator for SOFTWARE_TOKEN_MFA: no tokens from the password, a wrong code refused and its Session spent, tokens after a valid code (amr pwd, otp, mfa), the Session single-use', async () => {
    const user = await createUser('fay');
    const { secret } = await services().mfa.beginEnrolment(user);
    expect(await services().mfa.confirmEnrolment(user.id, authenticatorCode(secret, clock))).toMatchObject({ ok: true });
    clock.advance(30);

    const first = await passwordAuth('fay', PASSWORD);
    expect(first.ChallengeName).toBe('SOFTWARE_TOKEN_MFA');
    expect(first.AuthenticationResult).toBeUndefined();
    const respond = (Session: string, code: string) => cognito.send(new RespondToAuthChallengeCommand({ ClientId, ChallengeName: 'SOFTWARE_TOKEN_MFA', Session, ChallengeResponses: { USERNAME: 'fay', SOFTWARE_TOKEN_MFA_CODE: code } }));
    expect(await refusal(respond(first.Session!, wrongCode(secret, clock)))).toMatchObject({ name: 'CodeMismatchException', status: 400 });
    expect(await refusal(respond(first.Session!, authenticatorCode(secret, clock)))).toMatchObject({ name: 'NotAuthorizedException', status: 400 });
    expect(await refusal(respond('forged.ABCDEFGHJKMNPQRSTVWXYZ0123456789', authenticatorCode(secret, clock)))).toMatchObject({ name: 'NotAuthorizedException' });

    const second = await passwordAuth('fay', PASSWORD);
    const answer = await respond(second.Session!, authenticatorCode(secret, clock));
    const jwks = createRemoteJWKSet(new URL(`${ctx.server.issuer}/jwks`));
    const id = await jwtVerify(answer.AuthenticationResult!.IdToken!, jwks, { issuer: ctx.server.issuer, audience: ClientId });
    expect(id.payload.amr).toEqual(expect.arrayContaining(['pwd', 'otp', 'mfa']));
    clock.advance(30);
    expect(await refusal(respond(second.Session!, authenticatorCode(secret, clock)))).toMatchObject({ name: 'NotAuthorizedException' });
    // GetUser lists the authenticator.
    const me = await cognito.send(new GetUserCommand({ AccessToken: answer.AuthenticationResult!.AccessToken! }));
    expect(me).toMatchObject({ UserMFASettingList: ['SOFTWARE_TOKEN_MFA'], PreferredMfaSetting: 'SOFTWARE_TOKEN_MFA' });
  });

  it('refreshes with REFRESH_TOKEN_AUTH and GetTokensFromRefreshToken (rotated each time); replaying a spent refresh token revokes the grant', async () => {
    const user = await createUser('gus');
    const signedIn = (await passwordAuth('gus', PASSWORD)).AuthenticationResult!;
    const viaInitiate = (await cognito.send(new InitiateAuthCommand({ ClientId, AuthFlow: 'REFRESH_TOKEN_AUTH', AuthParameters: { REFRESH_TOKEN: signedIn.RefreshToken! } }))).AuthenticationResult!;
    expect(viaInitiate.AccessToken).not.toBe(signedIn.AccessToken);
    expect(viaInitiate.IdToken).toBeTruthy();
    expect(viaInitiate.RefreshToken).toBeTruthy();
    expect(viaInitiate.RefreshToken).not.toBe(signedIn.RefreshToken);
    const viaGetTokens = (await cognito.send(new GetTokensFromRefreshTokenCommand({ ClientId, RefreshToken: viaInitiate.RefreshToken! }))).AuthenticationResult!;
    expect(viaGetTokens.RefreshToken).toBeTruthy();
    expect((await cognito.send(new GetUserCommand({ AccessToken: viaGetTokens.AccessToken! }))).UserAttributes).toContainEqual({ Name: 'sub', Value: user.id });

    // The first refresh token was spent: presenting it again ends the grant, so the newest tokens stop too.
    expect(await refusal(cognito.send(new InitiateAuthCommand({ ClientId, AuthFlow: 'REFRESH_TOKEN_AUTH', AuthParameters: { REFRESH_TOKEN: signedIn.RefreshToken! } })))).toMatchObject({ name: 'NotAuthorizedException', status: 400 });
    expect(await refusal(cognito.send(new GetTokensFromRefreshTokenCommand({ ClientId, RefreshToken: viaGetTokens.RefreshToken! })))).toMatchObject({ name: 'NotAuthorizedException' });
    expect(await refusal(cognito.send(new GetUserCommand({ AccessToken: viaGetTokens.AccessToken! })))).toMatchObject({ name: 'NotAuthorizedException' });
  });

  it('answers GetUser with the attributes for a valid token, and NotAuthorizedException for garbage and for a token revoked by GlobalSignOut', async () => {
    const user = await createUser('hal', { profile: { given_name: 'Hal', family_name: 'Jordan' } });
    const tokens = (await passwordAuth('hal', PASSWORD)).AuthenticationResult!;
    const me = await cognito.send(new GetUserCommand({ AccessToken: tokens.AccessToken! }));
    expect(me.Username).toBe('hal');
    expect(me.UserAttributes).toEqual(expect.arrayContaining([
      { Name: 'sub', Value: user.id }, { Name: 'email', Value: 'hal@example.com' }, { Name: 'email_verified', Value: 'true' },
      { Name: 'given_name', Value: 'Hal' }, { Name: 'family_name', Value: 'Jordan' },
    ]));
    expect(me.UserMFASettingList).toBeUndefined();
    expect(await refusal(cognito.send(new GetUserCommand({ AccessToken: 'not.a.token' })))).toMatchObject({ name: 'NotAuthorizedException', status: 400 });

    await cognito.send(new GlobalSignOutCommand({ AccessToken: tokens.AccessToken! }));
    expect(await refusal(cognito.send(new GetUserCommand({ AccessToken: tokens.AccessToken! })))).toMatchObject({ name: 'NotAuthorizedException' });
    expect(await refusal(cognito.send(new GetTokensFromRefreshTokenCommand({ ClientId, RefreshToken: tokens.RefreshToken! })))).toMatchObject({ name: 'NotAuthorizedException' });
  });

  it('RevokeToken ends the refresh token\'s grant: the refresh token and its access token stop working', async () => {
    await createUser('ivy');
    const tokens = (await passwordAuth('ivy', PASSWORD)).AuthenticationResult!;
    await cognito.send(new RevokeTokenCommand({ ClientId, Token: tokens.RefreshToken! }));
    expect(await refusal(cognito.send(new GetTokensFromRefreshTokenCommand({ ClientId, RefreshToken: tokens.RefreshToken! })))).toMatchObject({ name: 'NotAuthorizedException' });
    expect(await refusal(cognito.send(new GetUserCommand({ AccessToken: tokens.AccessToken! })))).toMatchObject({ name: 'NotAuthorizedException' });
  });

  it('sets the flows with `client update --auth-flows` (unknown names exit 1) and the admin API\'s explicit_auth_flows', async () => {
    await createUser('jon');
    const clientId = (await services().clients.create({ name: 'Later app', public: true, grantTypes: ['refresh_token'] })).client_id;
    expect((await refusal(passwordAuth('jon', PASSWORD, clientId))).name).toBe('InvalidParameterException');
    const env = { ...ctx.database.env, LATCHKEY_SECRET: TEST_SECRET, LOG_LEVEL: 'warn' };
    const updated = await runCli(['--json', 'client', 'update', clientId, '--auth-flows', 'user_password,refresh_token'], env);
    expect(updated.code).toBe(0);
    expect(JSON.parse(updated.stdout)).toMatchObject({ explicit_auth_flows: ['ALLOW_USER_PASSWORD_AUTH', 'ALLOW_REFRESH_TOKEN_AUTH'] });
    expect((await passwordAuth('jon', PASSWORD, clientId)).AuthenticationResult?.AccessToken).toBeTruthy();
    expect((await runCli(['client', 'update', clientId, '--auth-flows', 'user_password,custom'], env)).code).toBe(1);

    const api = new AdminApiClient(ctx.server, (await clientToken(ctx.server, 'admin')).token);
    const patched = await api.call('PATCH', `/clients/${clientId}`, { explicit_auth_flows: ['ALLOW_USER_SRP_AUTH'] });
    expect(patched.body).toMatchObject({ explicit_auth_flows: ['ALLOW_USER_SRP_AUTH'] });
    expect((await refusal(passwordAuth('jon', PASSWORD, clientId))).name).toBe('InvalidParameterException');
  });

  it('takes explicitAuthFlows from a declarative file: applied once, unchanged when applied again in another order', async () => {
    await createUser('kim');
    const servicesFor = (db: Database) => createServices({ config: ctx.server.config, db, secrets: [TEST_SECRET], logger: createLogger('silent'), sts: null });
    const apply = (explicitAuthFlows: string[]) => applyConfig({ db: ctx.server.db, servicesFor }, resolveConfig(parseConfigText(JSON.stringify({
      clients: { 'declared-app': { name: 'Declared app', public: true, grantTypes: ['refresh_token'], explicitAuthFlows } },
    }), 'test.json'), 'test.json', { env: {} }), { file: 'test.json', digest: 'd'.repeat(64), prune: false, dryRun: false });
    await apply(['ALLOW_USER_PASSWORD_AUTH', 'ALLOW_REFRESH_TOKEN_AUTH']);
    expect((await passwordAuth('kim', PASSWORD, 'declared-app')).AuthenticationResult?.AccessToken).toBeTruthy();
    const again = await apply(['ALLOW_REFRESH_TOKEN_AUTH', 'ALLOW_USER_PASSWORD_AUTH']);
    expect(again.entries.find((entry) => entry.key === 'declared-app')?.action).toBe('unchanged');
  });
});
