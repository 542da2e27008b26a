import {
  AdminAddUserToGroupCommand, AdminCreateUserCommand, AdminDeleteUserCommand, AdminDisableUserCommand, AdminEnableUserCommand,
  AdminGetUserCommand, AdminInitiateAuthCommand, AdminListGroupsForUserCommand, AdminRemoveUserFromGroupCommand, AdminSetUserPasswordCommand,
  AdminUserGlobalSignOutCommand, CognitoIdentityProviderClient, InitiateAuthCommand, ListUsersCommand, ListUsersInGroupCommand,
} from '@aws-sdk/client-cognito-identity-provider';
import { SignatureV4 } from '@smithy/signature-v4';
import * as oidc from 'openid-client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Sha256 } from '@aws-crypto/sha256-js';
import { createAwsAccessKeys } from '../../src/oidc/aws-access-keys.js';
import { createMigratedTestDatabase, currentBackend, type TestDatabase } from '../support/backend.js';
import { PASSWORD, REDIRECT_URI } from '../support/fixtures.js';
import { openLoginPage } from '../support/flows.js';
import { discover } from '../support/harness.js';
import { runCli } from '../support/processes.js';
import { startTestServer, TEST_SECRET, type TestServer } from '../support/test-server.js';
import { UserAgent } from '../support/user-agent.js';

const NEW_PASSWORD = 'a permanent passphrase for the editor';
const TARGET = 'AWSCognitoIdentityProviderService';

/**
 * Cognito's admin operations with the unmodified AWS SDK, signed with SigV4 by an access key that
 * `latchkey client create --aws-access-key` printed: users created, found, filtered, disabled, given a password,
 * put in groups, signed out everywhere and deleted; and the refusals AWS names for unsigned, mis-signed, stale
 * and unauthorised requests.
 */
describe(`Cognito admin API signed with SigV4 (${currentBackend()})`, () => {
  let database: TestDatabase;
  let server: TestServer;
  let admin: CognitoIdentityProviderClient;
  let credentials: { accessKeyId: string; secretAccessKey: string };
  let UserPoolId: string;
  let app: oidc.Configuration;
  let cliEnv: Record<string, string>;
  const clients: CognitoIdentityProviderClient[] = [];

  /** An SDK client with these credentials; no retries, so that every refusal reaches the test. */
  function sdk(creds: { accessKeyId: string; secretAccessKey: string }, extra: { systemClockOffset?: number } = {}): CognitoIdentityProviderClient {
    const client = new CognitoIdentityProviderClient({ endpoint: server.issuer, region: 'us-east-1', credentials: creds, maxAttempts: 1, ...extra });
    clients.push(client);
    return client;
  }

  beforeAll(async () => {
    database = await createMigratedTestDatabase();
    server = await startTestServer({ env: database.env });
    cliEnv = { ...database.env, LATCHKEY_SECRET: TEST_SECRET, LOG_LEVEL: 'warn' };
    const created = await runCli(['--json', 'client', 'create', '--name', 'Operations', '--grant-types', 'client_credentials', '--scope', 'admin', '--aws-access-key'], cliEnv);
    expect(created.code, created.stderr).toBe(0);
    const printed = JSON.parse(created.stdout) as { client_id: string; aws_access_key_id: string; aws_secret_access_key: string };
    credentials = { accessKeyId: printed.aws_access_key_id, secretAccessKey: printed.aws_secret_access_key };
    admin = sdk(credentials);
    UserPoolId = (await server.latchkey.services.userPool.identifiers()).userPoolId;
    app = await discover(server, await server.latchkey.services.clients.create({ name: 'Shop', redirectUris: [REDIRECT_URI], firstParty: true }));
  });
  afterAll(async () => {
    for (const client of clients) client.destroy();
    await server?.close();
    await database?.drop();
  });

  /** The SDK's error for a refused call: its name is the exception Latchkey named. */
  async function refusal(call: Promise<unknown>): Promise<{ name: string; message: string; status: number | undefined }> {
    const error = await call.then(() => { throw new Error('the call was not refused'); }, (e: unknown) => e as { name: string; message: string; $metadata?: { httpStatusCode?: number } });
    return { name: error.name, message: error.message, status: error.$metadata?.httpStatusCode };
  }
  /** A hosted-UI sign-in: its tokens, or undefined when the login form refused it. */
  async function hostedSignIn(username: string, password: string): Promise<(oidc.TokenEndpointResponse & oidc.TokenEndpointResponseHelpers) | undefined> {
    const agent = new UserAgent();
    const { page, verifier } = await openLoginPage(agent, app);
    let step = await agent.submit(page, 'form#login-form', { username, password });
    if (!step.location) return undefined;
    step = await agent.follow(step, REDIRECT_URI);
    if (!step.location?.includes('?code=')) return undefined;
    return oidc.authorizationCodeGrant(app, new URL(step.location), { pkceCodeVerifier: verifier });
  }

  it('prints an access key ID (LKIA + 16 base32 characters) and a 40-character secret once, keeps it sealed, records its use, and refuses a key to a client without the admin scope', async () => {
    expect(credentials.accessKeyId).toMatch(/^LKIA[A-Z2-7]{16}$/);
    expect(credentials.secretAccessKey).toHaveLength(40);
    const { rows } = await server.db.query<{ secret_sealed: string }>('SELECT secret_sealed FROM aws_access_keys WHERE access_key_id = $1', [credentials.accessKeyId]);
    expect(rows[0]!.secret_sealed).not.toContain(credentials.secretAccessKey);
    const neverUsed = await admin.send(new ListUsersCommand({ UserPoolId }));
    expect(neverUsed.Users).toEqual([]);
    const used = await server.db.query<{ last_used_at: Date | null }>('SELECT last_used_at FROM aws_access_keys WHERE access_key_id = $1', [credentials.accessKeyId]);
    expect(used.rows[0]!.last_used_at).toBeInstanceOf(Date);
    const refused = await runCli(['client', 'create', '--name', 'Reader', '--scope', 'openid', '--aws-access-key'], cliEnv);
    expect(refused.code).not.toBe(0);
    expect(refused.stderr).toContain('admin');
  });

  it('creates a user that must change its temporary password, finds it by username, e-mail and sub, and refuses the same username twice', async () => {
    const created = await admin.send(new AdminCreateUserCommand({
      UserPoolId, Username: 'carol', TemporaryPassword: PASSWORD, MessageAction: 'SUPPRESS',
      UserAttributes: [{ Name: 'email', Value: 'carol@example.com' }, { Name: 'email_verified', Value: 'true' }, { Name: 'given_name', Value: 'Carol' }],
    }));
    expect(created.User).toMatchObject({ Username: 'carol', Enabled: true, UserStatus: 'FORCE_CHANGE_PASSWORD' });
    expect(created.User!.UserCreateDate).toBeInstanceOf(Date);
    expect(created.User!.Attributes).toEqual(expect.arrayContaining([{ Name: 'email', Value: 'carol@example.com' }, { Name: 'email_verified', Value: 'true' }, { Name: 'given_name', Value: 'Carol' }]));
    const sub = created.User!.Attributes!.find((a) => a.Name === 'sub')!.Value!;

    for (const Username of ['carol', 'Carol@Example.com', sub]) {
      const got = await admin.send(new AdminGetUserCommand({ UserPoolId, Username }));
      expect(got).toMatchObject({ Username: 'carol', Enabled: true, UserStatus: 'FORCE_CHANGE_PASSWORD' });
      expect(got.UserAttributes).toContainEqual({ Name: 'sub', Value: sub });
    }
    expect(await refusal(admin.send(new AdminCreateUserCommand({ UserPoolId, Username: 'carol', UserAttributes: [{ Name: 'email', Value: 'other@example.com' }] }))))
      .toMatchObject({ name: 'UsernameExistsException', status: 400 });
  });

  it('lists users by an exact or prefix filter, with only the attributes asked for, in pages', async () => {
    await admin.send(new AdminCreateUserCommand({ UserPoolId, Username: 'dave', MessageAction: 'SUPPRESS', UserAttributes: [{ Name: 'email', Value: 'dave@example.org' }, { Name: 'given_name', Value: 'Dave' }] }));
    const names = async (Filter: string) => (await admin.send(new ListUsersCommand({ UserPoolId, Filter }))).Users!.map((u) => u.Username).sort();
    expect(await names('email = "carol@example.com"')).toEqual(['carol']);
    expect(await names('given_name ^= "Da"')).toEqual(['dave']);
    expect(await names('username ^= "ca"')).toEqual(['carol']);
    expect(await names('email ^= "dave@"')).toEqual(['dave']);
    expect(await names('cognito:user_status = "FORCE_CHANGE_PASSWORD"')).toEqual(['carol', 'dave']);

    const only = await admin.send(new ListUsersCommand({ UserPoolId, Filter: 'username = "dave"', AttributesToGet: ['email'] }));
    expect(only.Users![0]!.Attributes).toEqual([{ Name: 'email', Value: 'dave@example.org' }]);

    const first = await admin.send(new ListUsersCommand({ UserPoolId, Limit: 1 }));
    expect(first.Users).toHaveLength(1);
    expect(first.PaginationToken).toBeDefined();
    const second = await admin.send(new ListUsersCommand({ UserPoolId, Limit: 1, PaginationToken: first.PaginationToken }));
    expect(second.Users!.map((u) => u.Username)).not.toEqual(first.Users!.map((u) => u.Username));
  });

  it('sets a temporary password (FORCE_CHANGE_PASSWORD) or a permanent one the user then signs in with, hosted and with USER_PASSWORD_AUTH; a disabled user cannot sign in until enabled again', async () => {
    await admin.send(new AdminSetUserPasswordCommand({ UserPoolId, Username: 'dave', Password: NEW_PASSWORD, Permanent: false }));
    expect((await admin.send(new AdminGetUserCommand({ UserPoolId, Username: 'dave' }))).UserStatus).toBe('FORCE_CHANGE_PASSWORD');
    expect(await hostedSignIn('dave', NEW_PASSWORD)).toBeUndefined();

    expect(await hostedSignIn('carol', NEW_PASSWORD)).toBeUndefined();
    await admin.send(new AdminSetUserPasswordCommand({ UserPoolId, Username: 'carol', Password: NEW_PASSWORD, Permanent: true }));
    expect((await admin.send(new AdminGetUserCommand({ UserPoolId, Username: 'carol' }))).UserStatus).toBe('CONFIRMED');
    expect((await hostedSignIn('carol', NEW_PASSWORD))?.access_token).toBeDefined();
    const ClientId = (await server.latchkey.services.clients.create({ name: 'Native app', public: true, grantTypes: ['refresh_token'], scope: 'openid profile email', explicitAuthFlows: ['ALLOW_USER_PASSWORD_AUTH', 'ALLOW_REFRESH_TOKEN_AUTH'] })).client_id;
    const signedIn = await admin.send(new InitiateAuthCommand({ AuthFlow: 'USER_PASSWORD_AUTH', ClientId, AuthParameters: { USERNAME: 'carol', PASSWORD: NEW_PASSWORD } }));
    expect(signedIn.AuthenticationResult?.AccessToken).toBeDefined();

    await admin.send(new AdminDisableUserCommand({ UserPoolId, Username: 'carol' }));
    expect((await admin.send(new AdminGetUserCommand({ UserPoolId, Username: 'carol' }))).Enabled).toBe(false);
    expect(await hostedSignIn('carol', NEW_PASSWORD)).toBeUndefined();
    await admin.send(new AdminEnableUserCommand({ UserPoolId, Username: 'carol' }));
    expect((await hostedSignIn('carol', NEW_PASSWORD))?.access_token).toBeDefined();
  });

  it('adds a user to a group, lists the groups and the members, and removes it; a missing group is ResourceNotFoundException, a missing user UserNotFoundException', async () => {
    await server.latchkey.services.groups.create({ name: 'editors', description: 'Edit pages', precedence: 3 });
    await admin.send(new AdminAddUserToGroupCommand({ UserPoolId, Username: 'carol', GroupName: 'editors' }));
    const groups = await admin.send(new AdminListGroupsForUserCommand({ UserPoolId, Username: 'carol@example.com' }));
    expect(groups.Groups).toEqual([expect.objectContaining({ GroupName: 'editors', Description: 'Edit pages', Precedence: 3, UserPoolId })]);
    const members = await admin.send(new ListUsersInGroupCommand({ UserPoolId, GroupName: 'editors' }));
    expect(members.Users!.map((u) => u.Username)).toEqual(['carol']);

    await admin.send(new AdminRemoveUserFromGroupCommand({ UserPoolId, Username: 'carol', GroupName: 'editors' }));
    expect((await admin.send(new AdminListGroupsForUserCommand({ UserPoolId, Username: 'carol' }))).Groups).toEqual([]);
    expect((await admin.send(new ListUsersInGroupCommand({ UserPoolId, GroupName: 'editors' }))).Users).toEqual([]);

    expect(await refusal(admin.send(new AdminAddUserToGroupCommand({ UserPoolId, Username: 'carol', GroupName: 'nobody' })))).toMatchObject({ name: 'ResourceNotFoundException', status: 400 });
    expect(await refusal(admin.send(new AdminAddUserToGroupCommand({ UserPoolId, Username: 'nobody', GroupName: 'editors' })))).toMatchObject({ name: 'UserNotFoundException', status: 400 });
  });

  it('signs a user out everywhere: the refresh token stops working', async () => {
    const tokens = await hostedSignIn('carol', NEW_PASSWORD);
    expect(tokens?.refresh_token).toBeDefined();
    await admin.send(new AdminUserGlobalSignOutCommand({ UserPoolId, Username: 'carol' }));
    await expect(oidc.refreshTokenGrant(app, tokens!.refresh_token!)).rejects.toMatchObject({ error: 'invalid_grant' });
  });

  it('deletes a user, who is then UserNotFoundException', async () => {
    await admin.send(new AdminDeleteUserCommand({ UserPoolId, Username: 'dave' }));
    expect(await refusal(admin.send(new AdminGetUserCommand({ UserPoolId, Username: 'dave' })))).toMatchObject({ name: 'UserNotFoundException', status: 400 });
    expect(await refusal(admin.send(new AdminDeleteUserCommand({ UserPoolId, Username: 'dave' })))).toMatchObject({ name: 'UserNotFoundException', status: 400 });
  });

  it('signs a user in with AdminInitiateAuth (ADMIN_USER_PASSWORD_AUTH) for an app client that allows it, with the password sign-in\'s refusals', async () => {
    const { services } = server.latchkey;
    await services.users.create({ email: 'back-end@example.com', password: PASSWORD, emailVerified: true });
    const allowed = await services.clients.create({ name: 'Back end', public: true, redirectUris: [REDIRECT_URI], explicitAuthFlows: ['ALLOW_ADMIN_USER_PASSWORD_AUTH', 'ALLOW_REFRESH_TOKEN_AUTH'] });
    const other = await services.clients.create({ name: 'SPA only', public: true, redirectUris: [REDIRECT_URI] });
    const AuthParameters = { USERNAME: 'back-end@example.com', PASSWORD };
    const signedIn = await admin.send(new AdminInitiateAuthCommand({ UserPoolId, ClientId: allowed.client_id, AuthFlow: 'ADMIN_USER_PASSWORD_AUTH', AuthParameters }));
    expect(signedIn.AuthenticationResult).toMatchObject({ TokenType: 'Bearer', ExpiresIn: expect.any(Number) });
    const me = await fetch(`${server.issuer}/me`, { headers: { authorization: `Bearer ${signedIn.AuthenticationResult!.AccessToken!}` } });
    expect(((await me.json()) as { email: string }).email).toBe('back-end@example.com');
    // The refresh token works with the user-pool API's refresh, as Cognito's does.
    const unsigned = new CognitoIdentityProviderClient({ endpoint: server.issuer, region: 'us-east-1', maxAttempts: 1 });
    clients.push(unsigned);
    const refreshed = await unsigned.send(new InitiateAuthCommand({ ClientId: allowed.client_id, AuthFlow: 'REFRESH_TOKEN_AUTH', AuthParameters: { REFRESH_TOKEN: signedIn.AuthenticationResult!.RefreshToken! } }));
    expect(refreshed.AuthenticationResult?.AccessToken).toBeTruthy();

    expect(await refusal(admin.send(new AdminInitiateAuthCommand({ UserPoolId, ClientId: allowed.client_id, AuthFlow: 'ADMIN_USER_PASSWORD_AUTH', AuthParameters: { ...AuthParameters, PASSWORD: 'not the password' } })))).toMatchObject({ name: 'NotAuthorizedException', status: 400 });
    expect(await refusal(admin.send(new AdminInitiateAuthCommand({ UserPoolId, ClientId: other.client_id, AuthFlow: 'ADMIN_USER_PASSWORD_AUTH', AuthParameters })))).toMatchObject({ name: 'InvalidParameterException', message: 'ADMIN_USER_PASSWORD_AUTH flow not enabled for this client' });
    expect(await refusal(admin.send(new AdminInitiateAuthCommand({ UserPoolId, ClientId: allowed.client_id, AuthFlow: 'CUSTOM_AUTH', AuthParameters })))).toMatchObject({ name: 'InvalidParameterException' });
    // Unsigned, the operation is refused before the password is looked at.
    const bare = await fetch(`${server.issuer}/`, {
      method: 'POST', headers: { 'content-type': 'application/x-amz-json-1.1', 'x-amz-target': `${TARGET}.AdminInitiateAuth` },
      body: JSON.stringify({ UserPoolId, ClientId: allowed.client_id, AuthFlow: 'ADMIN_USER_PASSWORD_AUTH', AuthParameters }),
    });
    expect(bare.status).toBe(400);
    expect(bare.headers.get('x-amzn-errortype')).toBe('MissingAuthenticationTokenException');
  });

  it('refuses an unsigned request with MissingAuthenticationTokenException, and still serves the unsigned operations unsigned', async () => {
    const post = (target: string, body: unknown) => fetch(`${server.issuer}/`, { method: 'POST', headers: { 'content-type': 'application/x-amz-json-1.1', 'x-amz-target': `${TARGET}.${target}` }, body: JSON.stringify(body) });
    const unsigned = await post('AdminGetUser', { UserPoolId, Username: 'carol' });
    expect(unsigned.status).toBe(400);
    expect(unsigned.headers.get('x-amzn-errortype')).toBe('MissingAuthenticationTokenException');
    expect(await unsigned.json()).toMatchObject({ __type: 'MissingAuthenticationTokenException' });
    const forgot = await post('ForgotPassword', { ClientId: 'no-such-client', Username: 'carol' });
    expect(forgot.headers.get('x-amzn-errortype')).not.toBe('MissingAuthenticationTokenException');
  });

  it('refuses a wrong secret and a body changed after signing with InvalidSignatureException, an unknown key with UnrecognizedClientException', async () => {
    expect(await refusal(sdk({ accessKeyId: credentials.accessKeyId, secretAccessKey: 'x'.repeat(40) }).send(new AdminGetUserCommand({ UserPoolId, Username: 'carol' }))))
      .toMatchObject({ name: 'InvalidSignatureException', status: 400 });
    expect(await refusal(sdk({ accessKeyId: 'LKIAAAAAAAAAAAAAAAAA', secretAccessKey: credentials.secretAccessKey }).send(new AdminGetUserCommand({ UserPoolId, Username: 'carol' }))))
      .toMatchObject({ name: 'UnrecognizedClientException', message: 'The security token included in the request is invalid.', status: 400 });

    const url = new URL(`${server.issuer}/`);
    const signer = new SignatureV4({ credentials, region: 'us-east-1', service: 'cognito-idp', sha256: Sha256 });
    const signed = await signer.sign({
      method: 'POST', protocol: url.protocol, hostname: url.hostname, port: Number(url.port), path: '/', query: {},
      headers: { host: url.host, 'content-type': 'application/x-amz-json-1.1', 'x-amz-target': `${TARGET}.AdminGetUser` },
      body: JSON.stringify({ UserPoolId, Username: 'carol' }),
    });
    const tampered = await fetch(url, { method: 'POST', headers: signed.headers, body: JSON.stringify({ UserPoolId, Username: 'dave' }) });
    expect(tampered.headers.get('x-amzn-errortype')).toBe('InvalidSignatureException');
    const honest = await fetch(url, { method: 'POST', headers: signed.headers, body: JSON.stringify({ UserPoolId, Username: 'carol' }) });
    expect(await honest.json()).toMatchObject({ Username: 'carol' });
  });

  it('refuses a request signed 20 minutes ago with InvalidSignatureException "Signature expired"', async () => {
    const stale = sdk(credentials, { systemClockOffset: -20 * 60 * 1000 });
    const refused = await refusal(stale.send(new AdminGetUserCommand({ UserPoolId, Username: 'carol' })));
    expect(refused).toMatchObject({ name: 'InvalidSignatureException', status: 400 });
    expect(refused.message).toContain('Signature expired');
  });

  it('refuses the key of a client no longer allowed the admin scope with AccessDeniedException, and of a deleted client with UnrecognizedClientException', async () => {
    const { services } = server.latchkey;
    const client = await services.clients.create({ name: 'Former operator', grantTypes: ['client_credentials'], scope: 'admin' });
    const key = await createAwsAccessKeys({ db: server.db, secrets: [TEST_SECRET] }).issue(client.client_id);
    const former = sdk({ accessKeyId: key.access_key_id, secretAccessKey: key.secret_access_key });
    expect((await former.send(new AdminGetUserCommand({ UserPoolId, Username: 'carol' }))).Username).toBe('carol');
    await services.clients.update(client.client_id, { scope: 'openid' });
    expect(await refusal(former.send(new AdminGetUserCommand({ UserPoolId, Username: 'carol' })))).toMatchObject({ name: 'AccessDeniedException', status: 400 });
    await services.clients.delete(client.client_id);
    expect(await refusal(former.send(new AdminGetUserCommand({ UserPoolId, Username: 'carol' })))).toMatchObject({ name: 'UnrecognizedClientException', status: 400 });
  });

  it('rotates a key with the CLI: the new pair works and the old one is UnrecognizedClientException', async () => {
    const clientId = (await server.db.query<{ client_id: string }>('SELECT client_id FROM aws_access_keys WHERE access_key_id = $1', [credentials.accessKeyId])).rows[0]!.client_id;
    const rotated = await runCli(['--json', 'client', 'rotate-aws-key', clientId], cliEnv);
    expect(rotated.code, rotated.stderr).toBe(0);
    const fresh = JSON.parse(rotated.stdout) as { access_key_id: string; secret_access_key: string };
    expect(fresh.access_key_id).not.toBe(credentials.accessKeyId);
    expect((await sdk({ accessKeyId: fresh.access_key_id, secretAccessKey: fresh.secret_access_key }).send(new AdminGetUserCommand({ UserPoolId, Username: 'carol' }))).Username).toBe('carol');
    expect(await refusal(admin.send(new AdminGetUserCommand({ UserPoolId, Username: 'carol' })))).toMatchObject({ name: 'UnrecognizedClientException', status: 400 });
    credentials = { accessKeyId: fresh.access_key_id, secretAccessKey: fresh.secret_access_key };
    admin = sdk(credentials);
  });

  it('refuses another pool\'s UserPoolId with ResourceNotFoundException and a missing Username with InvalidParameterException', async () => {
    expect(await refusal(admin.send(new AdminGetUserCommand({ UserPoolId: 'us-east-1_Other1234', Username: 'carol' })))).toMatchObject({ name: 'ResourceNotFoundException', status: 400 });
    expect(await refusal(admin.send(new ListUsersCommand({ UserPoolId: 'us-east-1_Other1234' })))).toMatchObject({ name: 'ResourceNotFoundException', status: 400 });
    expect(await refusal(admin.send(new AdminGetUserCommand({ UserPoolId } as unknown as { UserPoolId: string; Username: string })))).toMatchObject({ name: 'InvalidParameterException', status: 400 });
    expect(await refusal(admin.send(new ListUsersCommand({ UserPoolId, Filter: 'favourite_colour = "blue"' })))).toMatchObject({ name: 'InvalidParameterException', status: 400 });
  });
});
