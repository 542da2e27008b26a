import {
  AdminGetUserCommand, AdminResetUserPasswordCommand, AdminUpdateUserAttributesCommand, CognitoIdentityProviderClient, ConfirmForgotPasswordCommand,
  InitiateAuthCommand, type AttributeType,
} from '@aws-sdk/client-cognito-identity-provider';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createAwsAccessKeys } from '../../src/oidc/aws-access-keys.js';
import { createMigratedTestDatabase, currentBackend, type TestDatabase } from '../support/backend.js';
import { PASSWORD } from '../support/fixtures.js';
import { startSmtpCapture, type SmtpCapture } from '../support/smtp-capture.js';
import { startTestServer, TEST_SECRET, type TestServer } from '../support/test-server.js';

const NEW_PASSWORD = 'a passphrase chosen after the reset';
const TARGET = 'AWSCognitoIdentityProviderService';

/**
 * AdminUpdateUserAttributes and AdminResetUserPassword with the unmodified AWS SDK, signed with an access key
 * Latchkey issued to an admin client, their effects read back through AdminGetUser, the audit log, sign-in
 * refusals, and the reset code mailed over real SMTP and brought back with ConfirmForgotPassword.
 */
describe(`Cognito admin attribute and reset operations (${currentBackend()})`, () => {
  let database: TestDatabase;
  let smtp: SmtpCapture;
  let server: TestServer;
  let admin: CognitoIdentityProviderClient;
  let unsigned: CognitoIdentityProviderClient;
  let adminClientId: string;
  let ClientId: string;
  let UserPoolId: string;

  beforeAll(async () => {
    database = await createMigratedTestDatabase();
    smtp = await startSmtpCapture();
    server = await startTestServer({ env: database.env, extraEnv: { SMTP_URL: smtp.url } });
    const { services } = server.latchkey;
    adminClientId = (await services.clients.create({ name: 'Operations', grantTypes: ['client_credentials'], scope: 'admin' })).client_id;
    const key = await createAwsAccessKeys({ db: server.db, secrets: [TEST_SECRET] }).issue(adminClientId);
    // No retries: every refusal reaches the test.
    admin = new CognitoIdentityProviderClient({ endpoint: server.issuer, region: 'us-east-1', credentials: { accessKeyId: key.access_key_id, secretAccessKey: key.secret_access_key }, maxAttempts: 1 });
    unsigned = new CognitoIdentityProviderClient({ endpoint: server.issuer, region: 'us-east-1', credentials: { accessKeyId: 'unused', secretAccessKey: 'unused' }, maxAttempts: 1 });
    UserPoolId = (await services.userPool.identifiers()).userPoolId;
    ClientId = (await services.clients.create({ name: 'Native app', public: true, grantTypes: ['refresh_token'], scope: 'openid profile email', explicitAuthFlows: ['ALLOW_USER_PASSWORD_AUTH', 'ALLOW_REFRESH_TOKEN_AUTH'] })).client_id;
    await services.attributes.declare({ name: 'badge', type: 'string', mutable: false });
    await services.attributes.declare({ name: 'floor', type: 'number', mutable: true });
  });
  afterAll(async () => {
    admin?.destroy();
    unsigned?.destroy();
    await server?.close();
    await smtp?.stop();
    await database?.drop();
  });

  /** The SDK's error for a refused call: its name is the exception Latchkey named. */
  async function refusal(call: Promise<unknown>): Promise<{ name: string; message: string; status: number | undefined }> {
    const error = await call.then(() => { throw new Error('the call was not refused'); }, (e: unknown) => e as { name: string; message: string; $metadata?: { httpStatusCode?: number } });
    return { name: error.name, message: error.message, status: error.$metadata?.httpStatusCode };
  }
  const update = (Username: string, UserAttributes: AttributeType[], pool = UserPoolId) => admin.send(new AdminUpdateUserAttributesCommand({ UserPoolId: pool, Username, UserAttributes }));
  async function attributes(Username: string): Promise<Record<string, string>> {
    const got = await admin.send(new AdminGetUserCommand({ UserPoolId, Username }));
    return Object.fromEntries(got.UserAttributes!.map((a) => [a.Name!, a.Value!]));
  }
  const signIn = (USERNAME: string, PASSWORD_: string) => unsigned.send(new InitiateAuthCommand({ AuthFlow: 'USER_PASSWORD_AUTH', ClientId, AuthParameters: { USERNAME, PASSWORD: PASSWORD_ } }));
  const codeIn = (text: string) => /\b(\d{6})\b/.exec(text)?.[1];

  it('changes profile claims and custom attributes, removes a claim given empty, and audits the change with the key\'s client as the actor', async () => {
    const user = await server.latchkey.services.users.create({ username: 'erin', email: 'erin@example.com', password: PASSWORD, emailVerified: true, profile: { given_name: 'Erin', family_name: 'Old' } });
    const answer = await update('erin', [
      { Name: 'given_name', Value: 'Erin-Marie' }, { Name: 'family_name', Value: '' }, { Name: 'custom:badge', Value: 'B-7' }, { Name: 'custom:floor', Value: '4' },
    ]);
    expect(answer.$metadata.httpStatusCode).toBe(200);
    const now = await attributes('erin');
    expect(now).toMatchObject({ given_name: 'Erin-Marie', 'custom:badge': 'B-7', 'custom:floor': '4', email: 'erin@example.com', email_verified: 'true' });
    expect(now).not.toHaveProperty('family_name');
    const { events } = await server.latchkey.services.audit.query({ subjectId: user.id, type: 'user.updated', limit: 5 });
    expect(events[0]).toMatchObject({ clientId: adminClientId, details: { fields: expect.arrayContaining(['given_name', 'family_name', 'custom:badge', 'custom:floor']) } });
  });

  it('replaces the e-mail address at once, unverified unless email_verified is true in the same request; email_verified alone marks the address', async () => {
    await update('erin', [{ Name: 'email', Value: 'erin@example.org' }]);
    expect(await attributes('erin')).toMatchObject({ email: 'erin@example.org', email_verified: 'false' });
    expect(await attributes('erin@example.org')).toMatchObject({ email: 'erin@example.org' });
    expect(await refusal(admin.send(new AdminGetUserCommand({ UserPoolId, Username: 'erin@example.com' })))).toMatchObject({ name: 'UserNotFoundException' });
    // The new address signs in.
    expect((await signIn('erin@example.org', PASSWORD)).AuthenticationResult?.AccessToken).toBeDefined();

    await update('erin', [{ Name: 'email_verified', Value: 'true' }]);
    expect(await attributes('erin')).toMatchObject({ email: 'erin@example.org', email_verified: 'true' });
    await update('erin', [{ Name: 'email_verified', Value: 'false' }]);
    expect((await attributes('erin')).email_verified).toBe('false');
    await update('erin', [{ Name: 'email', Value: 'erin@example.net' }, { Name: 'email_verified', Value: 'true' }]);
    expect(await attributes('erin')).toMatchObject({ email: 'erin@example.net', email_verified: 'true' });
  });

  it('refuses immutable, unknown and malformed attributes with InvalidParameterException and changes nothing; a taken address is AliasExistsException, an unknown user UserNotFoundException, another pool ResourceNotFoundException', async () => {
    await server.latchkey.services.users.create({ username: 'frank', email: 'frank@example.com', password: PASSWORD, emailVerified: true });
    const before = await attributes('erin');
    const refusals: AttributeType[][] = [
      [{ Name: 'sub', Value: '00000000-0000-4000-8000-000000000000' }],
      [{ Name: 'favourite_colour', Value: 'blue' }],
      [{ Name: 'custom:undeclared', Value: 'x' }],
      [{ Name: 'custom:badge', Value: 'B-8' }],
      [{ Name: 'custom:floor', Value: 'fourth' }],
      [{ Name: 'email_verified', Value: 'yes' }],
      [{ Name: 'email', Value: 'not an address' }],
      [{ Name: 'email', Value: '' }],
      [{ Name: 'given_name', Value: 'Twice' }, { Name: 'given_name', Value: 'Again' }],
      [{ Name: 'given_name', Value: 'Never applied' }, { Name: 'phone_number', Value: '+15550100' }],
    ];
    for (const UserAttributes of refusals) {
      expect(await refusal(update('erin', UserAttributes)), JSON.stringify(UserAttributes)).toMatchObject({ name: 'InvalidParameterException', status: 400 });
    }
    expect(await refusal(update('erin', []))).toMatchObject({ name: 'InvalidParameterException', status: 400 });
    expect(await refusal(update('erin', [{ Name: 'email', Value: 'Frank@Example.com' }]))).toMatchObject({ name: 'AliasExistsException', status: 400 });
    expect(await attributes('erin')).toEqual(before);
    expect(await refusal(update('nobody', [{ Name: 'given_name', Value: 'X' }]))).toMatchObject({ name: 'UserNotFoundException', status: 400 });
    expect(await refusal(update('erin', [{ Name: 'given_name', Value: 'X' }], 'us-east-1_Other1234'))).toMatchObject({ name: 'ResourceNotFoundException', status: 400 });
  });

  it('resets a password: the user is RESET_REQUIRED, signed out, refused at sign-in with PasswordResetRequiredException, and the mailed code sets a new password with ConfirmForgotPassword', async () => {
    const user = await server.latchkey.services.users.create({ username: 'gail', email: 'gail@example.com', password: PASSWORD, emailVerified: true });
    const before = await signIn('gail', PASSWORD);
    const refreshToken = before.AuthenticationResult!.RefreshToken!;

    const answer = await admin.send(new AdminResetUserPasswordCommand({ UserPoolId, Username: 'gail@example.com' }));
    expect(answer.$metadata.httpStatusCode).toBe(200);
    expect((await admin.send(new AdminGetUserCommand({ UserPoolId, Username: 'gail' }))).UserStatus).toBe('RESET_REQUIRED');
    const { events } = await server.latchkey.services.audit.query({ subjectId: user.id, type: 'password.reset_required', limit: 5 });
    expect(events.map((e) => e.clientId)).toEqual([adminClientId]);
    expect(await refusal(signIn('gail', PASSWORD))).toMatchObject({ name: 'PasswordResetRequiredException', status: 400 });
    expect(await refusal(unsigned.send(new InitiateAuthCommand({ AuthFlow: 'REFRESH_TOKEN_AUTH', ClientId, AuthParameters: { REFRESH_TOKEN: refreshToken } }))))
      .toMatchObject({ name: 'NotAuthorizedException' });

    const code = codeIn((await smtp.waitFor('gail@example.com', (m) => m.subject.toLowerCase().includes('reset'))).text)!;
    expect(code).toBeDefined();
    const confirm = (ConfirmationCode: string) => unsigned.send(new ConfirmForgotPasswordCommand({ ClientId, Username: 'gail', ConfirmationCode, Password: NEW_PASSWORD }));
    expect(await refusal(confirm(code === '000000' ? '111111' : '000000'))).toMatchObject({ name: 'CodeMismatchException' });
    expect(await refusal(signIn('gail', PASSWORD))).toMatchObject({ name: 'PasswordResetRequiredException' });
    expect((await confirm(code)).$metadata.httpStatusCode).toBe(200);
    expect((await admin.send(new AdminGetUserCommand({ UserPoolId, Username: 'gail' }))).UserStatus).toBe('CONFIRMED');
    expect((await signIn('gail', NEW_PASSWORD)).AuthenticationResult?.AccessToken).toBeDefined();
    expect(await refusal(signIn('gail', PASSWORD))).toMatchObject({ name: 'NotAuthorizedException' });
  });

  it('refuses a reset for a user with no address (InvalidParameterException, nothing changed), an unknown user, another pool, and an unsigned call', async () => {
    await server.latchkey.services.users.create({ username: 'hal', password: PASSWORD });
    expect(await refusal(admin.send(new AdminResetUserPasswordCommand({ UserPoolId, Username: 'hal' })))).toMatchObject({ name: 'InvalidParameterException', status: 400 });
    expect((await admin.send(new AdminGetUserCommand({ UserPoolId, Username: 'hal' }))).UserStatus).toBe('CONFIRMED');
    expect((await signIn('hal', PASSWORD)).AuthenticationResult?.AccessToken).toBeDefined();
    expect(await refusal(admin.send(new AdminResetUserPasswordCommand({ UserPoolId, Username: 'nobody' })))).toMatchObject({ name: 'UserNotFoundException', status: 400 });
    expect(await refusal(admin.send(new AdminResetUserPasswordCommand({ UserPoolId: 'us-east-1_Other1234', Username: 'hal' })))).toMatchObject({ name: 'ResourceNotFoundException', status: 400 });

    for (const [operation, body] of [['AdminResetUserPassword', { UserPoolId, Username: 'hal' }], ['AdminUpdateUserAttributes', { UserPoolId, Username: 'hal', UserAttributes: [{ Name: 'given_name', Value: 'Hal' }] }]] as const) {
      const bare = await fetch(`${server.issuer}/`, { method: 'POST', headers: { 'content-type': 'application/x-amz-json-1.1', 'x-amz-target': `${TARGET}.${operation}` }, body: JSON.stringify(body) });
      expect(bare.status).toBe(400);
      expect(bare.headers.get('x-amzn-errortype')).toBe('MissingAuthenticationTokenException');
    }
    expect((await admin.send(new AdminGetUserCommand({ UserPoolId, Username: 'hal' }))).UserStatus).toBe('CONFIRMED');
  });
});
