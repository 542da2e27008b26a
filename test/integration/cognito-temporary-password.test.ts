import {
  AdminCreateUserCommand, AdminInitiateAuthCommand, AdminResetUserPasswordCommand, AdminSetUserPasswordCommand, CognitoIdentityProviderClient, InitiateAuthCommand,
  RespondToAuthChallengeCommand,
} from '@aws-sdk/client-cognito-identity-provider';
import { AuthenticationDetails, CognitoUser, CognitoUserPool } from 'amazon-cognito-identity-js';
import { Agent } from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { currentBackend } from '../support/backend.js';
import { useTestServer } from '../support/harness.js';
import { TEST_SECRET } from '../support/test-server.js';
import { createAwsAccessKeys } from '../../src/oidc/aws-access-keys.js';

const EXPIRED = 'Temporary password has expired and must be reset by an administrator.';
const TEMPORARY = 'Temporary-Pass-2026';
const CHOSEN = 'My-Own-Choice-2026';

/**
 * A temporary password expires after the pool's temporaryPasswordValidityDays (Cognito's
 * TemporaryPasswordValidityDays, default 7), counted from when the administrator set it: every sign-in that
 * takes it (USER_PASSWORD_AUTH, USER_SRP_AUTH, AdminInitiateAuth, and the NEW_PASSWORD_REQUIRED answer) then
 * answers NotAuthorizedException in Cognito's words, until an administrator sets a new one. The moment is
 * moved back in the database rather than waited for.
 */
describe(`Cognito temporary password expiry (${currentBackend()})`, () => {
  const ctx = useTestServer();
  let cognito: CognitoIdentityProviderClient;
  let admin: CognitoIdentityProviderClient;
  let ClientId: string;
  let BackEndId: string;
  let UserPoolId: string;

  const services = () => ctx.server.latchkey.services;
  beforeAll(async () => {
    const { clients } = services();
    ClientId = (await clients.create({ name: 'App', public: true, grantTypes: ['refresh_token'], explicitAuthFlows: ['ALLOW_USER_PASSWORD_AUTH', 'ALLOW_USER_SRP_AUTH', 'ALLOW_REFRESH_TOKEN_AUTH'] })).client_id;
    BackEndId = (await clients.create({ name: 'Back end', public: true, grantTypes: ['refresh_token'], explicitAuthFlows: ['ALLOW_ADMIN_USER_PASSWORD_AUTH', 'ALLOW_REFRESH_TOKEN_AUTH'] })).client_id;
    const http = { requestHandler: { httpAgent: new Agent({ keepAlive: false }) }, region: 'us-east-1', endpoint: ctx.server.issuer, maxAttempts: 1 };
    cognito = new CognitoIdentityProviderClient({ ...http, credentials: { accessKeyId: 'unused', secretAccessKey: 'unused' } });
    const operator = await clients.create({ name: 'Operations', grantTypes: ['client_credentials'], scope: 'admin' });
    const key = await createAwsAccessKeys({ db: ctx.server.db, secrets: [TEST_SECRET] }).issue(operator.client_id);
    admin = new CognitoIdentityProviderClient({ ...http, credentials: { accessKeyId: key.access_key_id, secretAccessKey: key.secret_access_key } });
    UserPoolId = (await services().userPool.identifiers()).userPoolId;
  });
  afterAll(() => {
    cognito?.destroy();
    admin?.destroy();
  });

  const createWithTemporary = (Username: string) => admin.send(new AdminCreateUserCommand({
    UserPoolId, Username, TemporaryPassword: TEMPORARY, MessageAction: 'SUPPRESS', UserAttributes: [{ Name: 'email', Value: `${Username}@example.com` }],
  }));
  /** Moves the moment the user's temporary password was set `days` into the past. */
  const setDaysAgo = async (username: string, days: number) => {
    const { rowCount } = await ctx.server.db.query(
      "UPDATE users SET temporary_password_set_at = now() - make_interval(secs => $2::float8 * 86400) WHERE username = $1 AND temporary_password_set_at IS NOT NULL",
      [username, days],
    );
    expect(rowCount).toBe(1);
  };
  const setAt = async (username: string) =>
    (await ctx.server.db.query<{ age: number | null }>('SELECT extract(epoch FROM now() - temporary_password_set_at)::float8 AS age FROM users WHERE username = $1', [username])).rows[0]?.age;
  const passwordAuth = (USERNAME: string, PASSWORD = TEMPORARY) =>
    cognito.send(new InitiateAuthCommand({ ClientId, AuthFlow: 'USER_PASSWORD_AUTH', AuthParameters: { USERNAME, PASSWORD } }));
  const answer = (USERNAME: string, Session: string) =>
    cognito.send(new RespondToAuthChallengeCommand({ ClientId, ChallengeName: 'NEW_PASSWORD_REQUIRED', Session, ChallengeResponses: { USERNAME, NEW_PASSWORD: CHOSEN } }));
  async function refusal(call: Promise<unknown>): Promise<{ name: string; message: string; status: number | undefined }> {
    const error = await call.then(() => { throw new Error('the call was not refused'); }, (e: unknown) => e as { name: string; message: string; $metadata?: { httpStatusCode?: number } });
    return { name: error.name, message: error.message, status: error.$metadata?.httpStatusCode };
  }
  /** USER_SRP_AUTH through amazon-cognito-identity-js: the challenge it reached, or its refusal. */
  const srpSignIn = (Username: string) => new Promise<string>((resolve) => {
    const user = new CognitoUser({ Username, Pool: new CognitoUserPool({ UserPoolId, ClientId, endpoint: `${ctx.server.issuer}/` }) });
    user.authenticateUser(new AuthenticationDetails({ Username, Password: TEMPORARY }), {
      onSuccess: () => resolve('tokens'),
      onFailure: (error: { code?: string; message?: string }) => resolve(`${error.code ?? 'error'}: ${error.message ?? ''}`),
      newPasswordRequired: () => resolve('NEW_PASSWORD_REQUIRED'),
    });
  });

  it('records when the temporary password was set, and takes it within the validity (6 of 7 days) to NEW_PASSWORD_REQUIRED and tokens', async () => {
    await createWithTemporary('fresh');
    expect(await setAt('fresh')).toBeLessThan(60);
    await setDaysAgo('fresh', 6);
    const start = await passwordAuth('fresh');
    expect(start.ChallengeName).toBe('NEW_PASSWORD_REQUIRED');
    expect((await answer('fresh', start.Session!)).AuthenticationResult?.AccessToken).toBeTruthy();
  });

  it('refuses a temporary password older than the validity (8 of 7 days) with Cognito\'s NotAuthorizedException, on every sign-in flow, and a wrong password as before', async () => {
    await createWithTemporary('stale');
    await setDaysAgo('stale', 8);
    expect(await refusal(passwordAuth('stale'))).toEqual({ name: 'NotAuthorizedException', message: EXPIRED, status: 400 });
    expect(await refusal(passwordAuth('stale', 'Not-The-Password-2026'))).toMatchObject({ name: 'NotAuthorizedException', message: 'Incorrect username or password.' });
    expect(await srpSignIn('stale')).toBe(`NotAuthorizedException: ${EXPIRED}`);
    const adminSignIn = admin.send(new AdminInitiateAuthCommand({ UserPoolId, ClientId: BackEndId, AuthFlow: 'ADMIN_USER_PASSWORD_AUTH', AuthParameters: { USERNAME: 'stale', PASSWORD: TEMPORARY } }));
    expect(await refusal(adminSignIn)).toEqual({ name: 'NotAuthorizedException', message: EXPIRED, status: 400 });
    expect((await services().users.findSignInAccount('stale')).user).toMatchObject({ status: 'reset_required' });
  });

  it('refuses the NEW_PASSWORD_REQUIRED answer when the temporary password expired between the steps', async () => {
    await createWithTemporary('slow');
    const start = await passwordAuth('slow');
    expect(start.ChallengeName).toBe('NEW_PASSWORD_REQUIRED');
    await setDaysAgo('slow', 7);
    expect(await refusal(answer('slow', start.Session!))).toEqual({ name: 'NotAuthorizedException', message: EXPIRED, status: 400 });
    expect((await services().users.findSignInAccount('slow')).user).toMatchObject({ status: 'reset_required' });
  });

  it('starts the validity over when an administrator sets a new temporary password (AdminSetUserPassword Permanent false)', async () => {
    await createWithTemporary('again');
    await setDaysAgo('again', 30);
    expect(await refusal(passwordAuth('again'))).toMatchObject({ message: EXPIRED });
    await admin.send(new AdminSetUserPasswordCommand({ UserPoolId, Username: 'again', Password: TEMPORARY, Permanent: false }));
    expect(await setAt('again')).toBeLessThan(60);
    expect(await srpSignIn('again')).toBe('NEW_PASSWORD_REQUIRED');
    const start = await passwordAuth('again');
    expect((await answer('again', start.Session!)).AuthenticationResult?.AccessToken).toBeTruthy();
  });

  it('leaves an expired temporary password to the reset an administrator starts (AdminResetUserPassword), which clears its moment', async () => {
    await createWithTemporary('mailed');
    await setDaysAgo('mailed', 8);
    await admin.send(new AdminResetUserPasswordCommand({ UserPoolId, Username: 'mailed' }));
    expect(await setAt('mailed')).toBeNull();
    expect(await refusal(passwordAuth('mailed'))).toMatchObject({ name: 'PasswordResetRequiredException' });
  });

  it('follows the pool\'s temporaryPasswordValidityDays', async () => {
    await services().userPool.setPasswordPolicy({ temporaryPasswordValidityDays: 2 });
    // Every replica reads the policy through a cache of seconds.
    await expect.poll(async () => (await services().passwordPolicy.current()).options.temporaryPasswordValidityDays, { timeout: 7000, interval: 250 }).toBe(2);
    await createWithTemporary('short');
    await setDaysAgo('short', 2.5);
    expect(await refusal(passwordAuth('short'))).toMatchObject({ message: EXPIRED });
    await setDaysAgo('short', 1.5);
    expect((await passwordAuth('short')).ChallengeName).toBe('NEW_PASSWORD_REQUIRED');
    await services().userPool.setPasswordPolicy({});
  });
});
