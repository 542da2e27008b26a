import {
  ChangePasswordCommand, CognitoIdentityProviderClient, DeleteUserCommand, GetUserAttributeVerificationCodeCommand, GetUserCommand,
  InitiateAuthCommand, UpdateUserAttributesCommand, VerifyUserAttributeCommand,
} from '@aws-sdk/client-cognito-identity-provider';
import { Agent } from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createMigratedTestDatabase, currentBackend, type TestDatabase } from '../support/backend.js';
import { PASSWORD } from '../support/fixtures.js';
import { startSmtpCapture, type SmtpCapture } from '../support/smtp-capture.js';
import { startTestServer, type TestServer } from '../support/test-server.js';

const NEW_PASSWORD = 'another long passphrase, changed';

/**
 * The Cognito operations a signed-in user calls with their access token, through the real AWS SDK client
 * pointed at Latchkey, with mail over real SMTP: ChangePassword, UpdateUserAttributes, the e-mail
 * verification code, DeleteUser, and their refusals in Cognito's names.
 */
describe(`Cognito user operations with an access token (${currentBackend()})`, () => {
  let database: TestDatabase;
  let smtp: SmtpCapture;
  let server: TestServer;
  let cognito: CognitoIdentityProviderClient;
  let ClientId: string;

  beforeAll(async () => {
    database = await createMigratedTestDatabase();
    smtp = await startSmtpCapture();
    server = await startTestServer({ env: database.env, extraEnv: { SMTP_URL: smtp.url } });
    ClientId = (await server.latchkey.services.clients.create({
      name: 'Password app', public: true, grantTypes: ['refresh_token'], scope: 'openid profile email', explicitAuthFlows: ['ALLOW_USER_PASSWORD_AUTH', 'ALLOW_REFRESH_TOKEN_AUTH'],
    })).client_id;
    await server.latchkey.services.attributes.add({ name: 'plan', type: 'string' });
    await server.latchkey.services.attributes.add({ name: 'tenant', type: 'string', mutable: false });
    // No retries, so every refusal reaches the test; no kept-alive sockets (see cognito-sign-in.test.ts).
    cognito = new CognitoIdentityProviderClient({
      endpoint: server.issuer, region: 'us-east-1', credentials: { accessKeyId: 'unused', secretAccessKey: 'unused' }, maxAttempts: 1,
      requestHandler: { httpAgent: new Agent({ keepAlive: false }) },
    });
  });
  afterAll(async () => {
    cognito?.destroy();
    await server?.close();
    await smtp?.stop();
    await database?.drop();
  });

  const services = () => server.latchkey.services;
  const createUser = (username: string, extra: Parameters<ReturnType<typeof services>['users']['create']>[0] = {}) =>
    services().users.create({ username, email: `${username}@example.com`, emailVerified: true, password: PASSWORD, ...extra });
  const passwordAuth = (USERNAME: string, PASSWORD_: string) =>
    cognito.send(new InitiateAuthCommand({ ClientId, AuthFlow: 'USER_PASSWORD_AUTH', AuthParameters: { USERNAME, PASSWORD: PASSWORD_ } }));
  async function signIn(username: string, password = PASSWORD): Promise<{ AccessToken: string; RefreshToken: string }> {
    const { AuthenticationResult: result } = await passwordAuth(username, password);
    return { AccessToken: result!.AccessToken!, RefreshToken: result!.RefreshToken! };
  }
  const refresh = (REFRESH_TOKEN: string) =>
    cognito.send(new InitiateAuthCommand({ ClientId, AuthFlow: 'REFRESH_TOKEN_AUTH', AuthParameters: { REFRESH_TOKEN } }));
  const codeIn = (text: string) => /\b(\d{6})\b/.exec(text)?.[1];
  const attributesOf = async (AccessToken: string): Promise<Record<string, string | undefined>> =>
    Object.fromEntries(((await cognito.send(new GetUserCommand({ AccessToken }))).UserAttributes ?? []).map(({ Name, Value }): [string, string | undefined] => [Name ?? '', Value]));
  /** The audit events of `type` about a user: who acted, through which client. */
  const auditOf = async (subjectId: string, type: string) => (await server.db.query<{ actor_type: string; actor_id: string | null; client_id: string | null }>(
    'SELECT actor_type, actor_id, client_id FROM audit_events WHERE subject_id = $1 AND type = $2 ORDER BY id', [subjectId, type])).rows;
  /** The SDK's error for a refused call: its name is the exception Latchkey named. */
  async function refusal(call: Promise<unknown>): Promise<{ name: string; message: string; status: number | undefined }> {
    const error = await call.then(() => { throw new Error('the call was not refused'); }, (e: unknown) => e as { name: string; message: string; $metadata?: { httpStatusCode?: number } });
    return { name: error.name, message: error.message, status: error.$metadata?.httpStatusCode };
  }
  /** A raw call, for bodies the SDK would never send. */
  async function raw(operation: string, body: unknown): Promise<{ status: number; type: string | null }> {
    const response = await fetch(`${server.issuer}/`, {
      method: 'POST', body: JSON.stringify(body),
      headers: { 'content-type': 'application/x-amz-json-1.1', 'x-amz-target': `AWSCognitoIdentityProviderService.${operation}` },
    });
    await response.text();
    return { status: response.status, type: response.headers.get('x-amzn-errortype') };
  }

  it('ChangePassword: a wrong previous password is NotAuthorizedException; the right one changes it, ends the old refresh token, mails a notice, and the new password signs in', async () => {
    const cora = await createUser('cora');
    const tokens = await signIn('cora');
    expect(await refusal(cognito.send(new ChangePasswordCommand({ AccessToken: tokens.AccessToken, PreviousPassword: 'not the password at all', ProposedPassword: NEW_PASSWORD }))))
      .toEqual({ name: 'NotAuthorizedException', message: 'Incorrect username or password.', status: 400 });
    expect(await cognito.send(new ChangePasswordCommand({ AccessToken: tokens.AccessToken, PreviousPassword: PASSWORD, ProposedPassword: NEW_PASSWORD }))).toMatchObject({ $metadata: { httpStatusCode: 200 } });
    expect((await refusal(refresh(tokens.RefreshToken))).name).toBe('NotAuthorizedException');
    expect((await refusal(passwordAuth('cora', PASSWORD))).name).toBe('NotAuthorizedException');
    expect((await passwordAuth('cora', NEW_PASSWORD)).AuthenticationResult?.AccessToken).toBeTruthy();
    expect((await smtp.waitFor('cora@example.com')).text.toLowerCase()).toContain('password');
    expect(await auditOf(cora.id, 'password.changed')).toEqual([{ actor_type: 'user', actor_id: cora.id, client_id: ClientId }]);
  });

  it('ChangePassword: a proposed password the policy refuses is InvalidPasswordException and the old one still works', async () => {
    await createUser('dina');
    const tokens = await signIn('dina');
    expect((await refusal(cognito.send(new ChangePasswordCommand({ AccessToken: tokens.AccessToken, PreviousPassword: PASSWORD, ProposedPassword: 'short' })))).name).toBe('InvalidPasswordException');
    expect((await refresh(tokens.RefreshToken)).AuthenticationResult?.AccessToken).toBeTruthy();
  });

  it('UpdateUserAttributes: sets given_name and a declared custom attribute (GetUser shows them), with no code to deliver', async () => {
    const eli = await createUser('eli');
    const { AccessToken } = await signIn('eli');
    const answer = await cognito.send(new UpdateUserAttributesCommand({ AccessToken, UserAttributes: [{ Name: 'given_name', Value: 'Eli' }, { Name: 'custom:plan', Value: 'pro' }] }));
    expect(answer.CodeDeliveryDetailsList).toEqual([]);
    expect(await attributesOf(AccessToken)).toMatchObject({ given_name: 'Eli', 'custom:plan': 'pro', email: 'eli@example.com' });
    expect(await auditOf(eli.id, 'user.updated')).toEqual([{ actor_type: 'user', actor_id: eli.id, client_id: ClientId }]);
  });

  it('UpdateUserAttributes: an attribute the pool sets, an undeclared custom one, an immutable one that has a value and a repeated name are InvalidParameterException, and nothing changes', async () => {
    await createUser('fay', { customAttributes: { tenant: 'acme' } });
    const { AccessToken } = await signIn('fay');
    const update = (UserAttributes: { Name: string; Value: string }[]) => refusal(cognito.send(new UpdateUserAttributesCommand({ AccessToken, UserAttributes })));
    for (const attributes of [
      [{ Name: 'email_verified', Value: 'true' }], [{ Name: 'sub', Value: 'x' }], [{ Name: 'custom:undeclared', Value: 'x' }],
      [{ Name: 'given_name', Value: 'Fay' }, { Name: 'custom:tenant', Value: 'other' }], [{ Name: 'given_name', Value: 'A' }, { Name: 'given_name', Value: 'B' }],
    ]) {
      expect(await update(attributes)).toMatchObject({ name: 'InvalidParameterException', status: 400 });
    }
    const attributes = await attributesOf(AccessToken);
    expect(attributes).toMatchObject({ 'custom:tenant': 'acme', email_verified: 'true' });
    expect(attributes).not.toHaveProperty('given_name');
  });

  it('changes the e-mail address only with the code mailed to the new one: the old address stays until VerifyUserAttribute, a wrong code is CodeMismatchException, and the new address then signs in', async () => {
    await createUser('hal');
    const { AccessToken } = await signIn('hal');
    const answer = await cognito.send(new UpdateUserAttributesCommand({ AccessToken, UserAttributes: [{ Name: 'email', Value: 'hal.new@example.org' }] }));
    expect(answer.CodeDeliveryDetailsList).toEqual([{ Destination: 'h***@e***.org', DeliveryMedium: 'EMAIL', AttributeName: 'email' }]);
    const code = codeIn((await smtp.waitFor('hal.new@example.org')).text)!;
    expect(await attributesOf(AccessToken)).toMatchObject({ email: 'hal@example.com', email_verified: 'true' });
    const wrong = code === '000000' ? '111111' : '000000';
    expect(await refusal(cognito.send(new VerifyUserAttributeCommand({ AccessToken, AttributeName: 'email', Code: wrong })))).toMatchObject({ name: 'CodeMismatchException', status: 400 });
    await cognito.send(new VerifyUserAttributeCommand({ AccessToken, AttributeName: 'email', Code: code }));
    expect(await attributesOf(AccessToken)).toMatchObject({ email: 'hal.new@example.org', email_verified: 'true' });
    expect(await refusal(cognito.send(new VerifyUserAttributeCommand({ AccessToken, AttributeName: 'email', Code: code })))).toMatchObject({ name: 'CodeMismatchException', status: 400 });
    expect((await passwordAuth('hal.new@example.org', PASSWORD)).AuthenticationResult?.AccessToken).toBeTruthy();
    expect((await refusal(passwordAuth('hal@example.com', PASSWORD))).name).toBe('NotAuthorizedException');
  });

  it('VerifyUserAttribute for an address another account took meanwhile is AliasExistsException and the account keeps its address', async () => {
    await createUser('ned');
    const { AccessToken } = await signIn('ned');
    await cognito.send(new UpdateUserAttributesCommand({ AccessToken, UserAttributes: [{ Name: 'email', Value: 'contested@example.com' }] }));
    const code = codeIn((await smtp.waitFor('contested@example.com')).text)!;
    await services().users.create({ email: 'Contested@example.com', password: PASSWORD, emailVerified: true });
    expect(await refusal(cognito.send(new VerifyUserAttributeCommand({ AccessToken, AttributeName: 'email', Code: code })))).toMatchObject({ name: 'AliasExistsException', status: 400 });
    expect((await attributesOf(AccessToken)).email).toBe('ned@example.com');
  });

  it('GetUserAttributeVerificationCode mails a code for an unverified address that VerifyUserAttribute takes; a second request within the minute is LimitExceededException, another attribute InvalidParameterException', async () => {
    await createUser('ivy', { emailVerified: false });
    const { AccessToken } = await signIn('ivy');
    const answer = await cognito.send(new GetUserAttributeVerificationCodeCommand({ AccessToken, AttributeName: 'email' }));
    expect(answer.CodeDeliveryDetails).toEqual({ Destination: 'i***@e***.com', DeliveryMedium: 'EMAIL', AttributeName: 'email' });
    const code = codeIn((await smtp.waitFor('ivy@example.com')).text)!;
    expect(await refusal(cognito.send(new GetUserAttributeVerificationCodeCommand({ AccessToken, AttributeName: 'email' })))).toMatchObject({ name: 'LimitExceededException', status: 400 });
    expect(await refusal(cognito.send(new GetUserAttributeVerificationCodeCommand({ AccessToken, AttributeName: 'phone_number' })))).toMatchObject({ name: 'InvalidParameterException', status: 400 });
    expect((await attributesOf(AccessToken)).email_verified).toBe('false');
    await cognito.send(new VerifyUserAttributeCommand({ AccessToken, AttributeName: 'email', Code: code }));
    expect((await attributesOf(AccessToken)).email_verified).toBe('true');
  });

  it('VerifyUserAttribute with a code past its lifetime is ExpiredCodeException and the address stays unverified', async () => {
    const max = await createUser('max', { emailVerified: false });
    const { AccessToken } = await signIn('max');
    await cognito.send(new GetUserAttributeVerificationCodeCommand({ AccessToken, AttributeName: 'email' }));
    const code = codeIn((await smtp.waitFor('max@example.com')).text)!;
    await server.db.query(`UPDATE one_time_codes SET expires_at = now() - interval '1 second' WHERE subject = $1`, [max.id]);
    expect(await refusal(cognito.send(new VerifyUserAttributeCommand({ AccessToken, AttributeName: 'email', Code: code })))).toMatchObject({ name: 'ExpiredCodeException', status: 400 });
    expect((await attributesOf(AccessToken)).email_verified).toBe('false');
  });

  it('DeleteUser is NotAuthorizedException while the pool does not allow self-deletion; once allowed it deletes the account and its tokens stop working', async () => {
    const jan = await createUser('jan');
    const { AccessToken, RefreshToken } = await signIn('jan');
    const refused = await refusal(cognito.send(new DeleteUserCommand({ AccessToken })));
    expect(refused).toMatchObject({ name: 'NotAuthorizedException', status: 400 });
    expect(refused.message).toContain('not enabled');
    await services().userPool.setSelfDelete(true);
    try {
      await cognito.send(new DeleteUserCommand({ AccessToken }));
    } finally {
      await services().userPool.setSelfDelete(false);
    }
    expect(await services().users.findById(jan.id)).toBeUndefined();
    expect(await auditOf(jan.id, 'user.deleted')).toEqual([{ actor_type: 'user', actor_id: jan.id, client_id: ClientId }]);
    expect((await refusal(cognito.send(new GetUserCommand({ AccessToken })))).name).toBe('NotAuthorizedException');
    expect((await refusal(refresh(RefreshToken))).name).toBe('NotAuthorizedException');
    expect((await refusal(passwordAuth('jan', PASSWORD))).name).toBe('NotAuthorizedException');
  });

  it('answers missing members, wrong types and a garbage access token with Cognito exceptions (400), never a 5xx', async () => {
    await createUser('gus');
    const { AccessToken } = await signIn('gus');
    expect(await raw('ChangePassword', { AccessToken })).toEqual({ status: 400, type: 'InvalidParameterException' });
    expect(await raw('ChangePassword', { AccessToken, PreviousPassword: 7, ProposedPassword: NEW_PASSWORD })).toEqual({ status: 400, type: 'InvalidParameterException' });
    expect(await raw('ChangePassword', { AccessToken: 'garbage', PreviousPassword: PASSWORD, ProposedPassword: NEW_PASSWORD })).toEqual({ status: 400, type: 'NotAuthorizedException' });
    expect(await raw('UpdateUserAttributes', { AccessToken })).toEqual({ status: 400, type: 'InvalidParameterException' });
    expect(await raw('UpdateUserAttributes', { AccessToken, UserAttributes: [{ Name: 'given_name' }] })).toEqual({ status: 400, type: 'InvalidParameterException' });
    expect(await raw('UpdateUserAttributes', { AccessToken, UserAttributes: 'given_name=Gus' })).toEqual({ status: 400, type: 'InvalidParameterException' });
    expect(await raw('GetUserAttributeVerificationCode', { AccessToken })).toEqual({ status: 400, type: 'InvalidParameterException' });
    expect(await raw('VerifyUserAttribute', { AccessToken, AttributeName: 'email' })).toEqual({ status: 400, type: 'InvalidParameterException' });
    expect(await raw('VerifyUserAttribute', { AccessToken, AttributeName: 'email', Code: 123456 })).toEqual({ status: 400, type: 'InvalidParameterException' });
    expect(await raw('DeleteUser', {})).toEqual({ status: 400, type: 'InvalidParameterException' });
    expect(await raw('DeleteUser', { AccessToken: ['x'] })).toEqual({ status: 400, type: 'InvalidParameterException' });
    for (const operation of ['UpdateUserAttributes', 'GetUserAttributeVerificationCode', 'VerifyUserAttribute', 'DeleteUser']) {
      expect(await raw(operation, { AccessToken: 'garbage', AttributeName: 'email', Code: '123456', UserAttributes: [{ Name: 'given_name', Value: 'G' }] })).toEqual({ status: 400, type: 'NotAuthorizedException' });
    }
  });

  it('refuses an access token revoked by GlobalSignOut and one whose user was disabled (NotAuthorizedException) in every user operation', async () => {
    await createUser('kit');
    const { AccessToken } = await signIn('kit');
    await services().users.signOutEverywhere('kit');
    const body = { AccessToken, AttributeName: 'email', Code: '123456', UserAttributes: [{ Name: 'given_name', Value: 'K' }], PreviousPassword: PASSWORD, ProposedPassword: NEW_PASSWORD };
    for (const operation of ['ChangePassword', 'UpdateUserAttributes', 'GetUserAttributeVerificationCode', 'VerifyUserAttribute', 'DeleteUser']) {
      expect(await raw(operation, body)).toEqual({ status: 400, type: 'NotAuthorizedException' });
    }
    await createUser('lou');
    const lou = await signIn('lou');
    await services().users.setEnabled('lou', false);
    expect(await raw('UpdateUserAttributes', { ...body, AccessToken: lou.AccessToken })).toEqual({ status: 400, type: 'NotAuthorizedException' });
  });
});
