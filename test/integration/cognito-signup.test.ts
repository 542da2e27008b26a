import {
  CognitoIdentityProviderClient, ConfirmForgotPasswordCommand, ConfirmSignUpCommand, ForgotPasswordCommand,
  ResendConfirmationCodeCommand, SignUpCommand,
} from '@aws-sdk/client-cognito-identity-provider';
import * as oidc from 'openid-client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createMigratedTestDatabase, currentBackend, type TestDatabase } from '../support/backend.js';
import { PASSWORD, REDIRECT_URI } from '../support/fixtures.js';
import { openLoginPage, signInToCallback } from '../support/flows.js';
import { discover } from '../support/harness.js';
import { startSmtpCapture, type SmtpCapture } from '../support/smtp-capture.js';
import { startTestServer, type TestServer } from '../support/test-server.js';
import { UserAgent } from '../support/user-agent.js';

const NEW_PASSWORD = 'a brand new passphrase for bea';
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

/**
 * The Cognito-compatible self-service API, called with the real AWS SDK client pointed at Latchkey, with
 * mail delivered over real SMTP: sign-up → the mailed code → confirmation → a hosted sign-in; forgot and
 * confirm-forgot ending every refresh token; the enumeration-safe answers; the wire protocol's edges.
 */
describe(`Cognito-compatible self-service API (${currentBackend()})`, () => {
  let database: TestDatabase;
  let smtp: SmtpCapture;
  let server: TestServer;
  let cognito: CognitoIdentityProviderClient;
  let ClientId: string;
  let app: oidc.Configuration;

  beforeAll(async () => {
    database = await createMigratedTestDatabase();
    smtp = await startSmtpCapture();
    server = await startTestServer({ env: database.env, extraEnv: { SMTP_URL: smtp.url } });
    const { clients } = server.latchkey.services;
    ClientId = (await clients.create({ name: 'Single-page app', redirectUris: [REDIRECT_URI], public: true, firstParty: true })).client_id;
    app = await discover(server, await clients.create({ name: 'Shop', redirectUris: [REDIRECT_URI], firstParty: true }));
    // No retries: a refusal the SDK classes as throttling must reach the test, not be retried.
    cognito = new CognitoIdentityProviderClient({ endpoint: server.issuer, region: 'us-east-1', credentials: { accessKeyId: 'unused', secretAccessKey: 'unused' }, maxAttempts: 1 });
  });
  afterAll(async () => {
    cognito?.destroy();
    await server?.close();
    await smtp?.stop();
    await database?.drop();
  });

  const codeIn = (text: string) => /\b(\d{6})\b/.exec(text)?.[1];
  const userCount = async () => (await server.db.query<{ n: number }>('SELECT count(*)::int AS n FROM users')).rows[0]!.n;
  const otherCode = (code: string) => (code === '000000' ? '111111' : '000000');
  /** The SDK's error for a refused call: its name is the exception Latchkey named. */
  async function refusal(call: Promise<unknown>): Promise<{ name: string; message: string; status: number | undefined }> {
    const error = await call.then(() => { throw new Error('the call was not refused'); }, (e: unknown) => e as { name: string; message: string; $metadata?: { httpStatusCode?: number } });
    return { name: error.name, message: error.message, status: error.$metadata?.httpStatusCode };
  }
  async function signIn(username: string, password: string): Promise<oidc.TokenEndpointResponse & oidc.TokenEndpointResponseHelpers> {
    const agent = new UserAgent();
    const { page, verifier } = await openLoginPage(agent, app);
    return oidc.authorizationCodeGrant(app, new URL(await signInToCallback(agent, page, username, password)), { pkceCodeVerifier: verifier });
  }

  it('signs up unconfirmed with a masked destination, mails a code that ConfirmSignUp takes (a wrong one is CodeMismatchException), and the account then signs in', async () => {
    const answer = await cognito.send(new SignUpCommand({ ClientId, Username: 'Ada@Example.com', Password: PASSWORD, UserAttributes: [{ Name: 'given_name', Value: 'Ada' }, { Name: 'family_name', Value: 'Lovelace' }] }));
    expect(answer).toMatchObject({ UserConfirmed: false, CodeDeliveryDetails: { Destination: 'A***@E***.com', DeliveryMedium: 'EMAIL', AttributeName: 'email' } });
    expect(await server.latchkey.services.users.findById(answer.UserSub!)).toMatchObject({ status: 'unconfirmed', email: 'Ada@Example.com', profile: { given_name: 'Ada', family_name: 'Lovelace' } });
    const code = codeIn((await smtp.waitFor('Ada@Example.com')).text)!;
    expect(code).toBeDefined();

    expect(await refusal(cognito.send(new ConfirmSignUpCommand({ ClientId, Username: 'ada@example.com', ConfirmationCode: otherCode(code) })))).toMatchObject({ name: 'CodeMismatchException', status: 400 });
    const confirmed = await cognito.send(new ConfirmSignUpCommand({ ClientId, Username: 'ada@example.com', ConfirmationCode: code }));
    expect(confirmed.$metadata.httpStatusCode).toBe(200);
    expect(await server.latchkey.services.users.findById(answer.UserSub!)).toMatchObject({ status: 'confirmed', email_verified: true });
    expect((await signIn('ada@example.com', PASSWORD)).claims()!.sub).toBe(answer.UserSub);
    // The code is spent.
    expect((await refusal(cognito.send(new ConfirmSignUpCommand({ ClientId, Username: 'ada@example.com', ConfirmationCode: code })))).name).toBe('CodeMismatchException');
  });

  it('signs up with a username and the address in the email attribute; a taken username is UsernameExistsException', async () => {
    const answer = await cognito.send(new SignUpCommand({ ClientId, Username: 'grace', Password: PASSWORD, UserAttributes: [{ Name: 'email', Value: 'grace@example.org' }] }));
    expect(answer.CodeDeliveryDetails?.Destination).toBe('g***@e***.org');
    expect(await server.latchkey.services.users.findById(answer.UserSub!)).toMatchObject({ username: 'grace', email: 'grace@example.org', status: 'unconfirmed' });
    const before = await userCount();
    expect(await refusal(cognito.send(new SignUpCommand({ ClientId, Username: 'grace', Password: PASSWORD, UserAttributes: [{ Name: 'email', Value: 'other@example.org' }] })))).toMatchObject({ name: 'UsernameExistsException', status: 400 });
    expect((await refusal(cognito.send(new SignUpCommand({ ClientId, Username: 'hopper', Password: PASSWORD })))).name).toBe('InvalidParameterException');
    expect((await refusal(cognito.send(new SignUpCommand({ ClientId, Username: 'x@example.org', Password: PASSWORD, UserAttributes: [{ Name: 'email_verified', Value: 'true' }] })))).name).toBe('InvalidParameterException');
    expect(await userCount()).toBe(before);
  });

  it('answers a sign-up with an address that already has an account like a new one, with a fresh random UserSub, and mails nothing', async () => {
    const existing = await server.latchkey.services.users.create({ email: 'taken@example.com', password: PASSWORD, emailVerified: true });
    const before = await userCount();
    const first = await cognito.send(new SignUpCommand({ ClientId, Username: 'taken@example.com', Password: PASSWORD }));
    const second = await cognito.send(new SignUpCommand({ ClientId, Username: 'taken@example.com', Password: PASSWORD }));
    const fresh = await cognito.send(new SignUpCommand({ ClientId, Username: 'fresh@example.com', Password: PASSWORD }));
    for (const answer of [first, second]) {
      expect(Object.keys(answer).sort()).toEqual(Object.keys(fresh).sort());
      expect(answer).toMatchObject({ UserConfirmed: false, CodeDeliveryDetails: { Destination: 't***@e***.com', DeliveryMedium: 'EMAIL', AttributeName: 'email' } });
      expect(answer.UserSub).toMatch(UUID);
      expect(answer.UserSub).not.toBe(existing.id);
    }
    expect(first.UserSub).not.toBe(second.UserSub);
    expect(await userCount()).toBe(before + 1);
    const freshCode = codeIn((await smtp.waitFor('fresh@example.com')).text)!;
    await expect(smtp.waitFor('taken@example.com', undefined, 500)).rejects.toThrow();
    // No code was left for the taken address, and one was for the new one; six wrong guesses (one more than a
    // code allows) read the same for both, so guessing does not tell which address was taken.
    const guesses = async (Username: string) => {
      const wrong = otherCode(freshCode);
      const names: string[] = [];
      for (let i = 0; i < 6; i++) names.push((await refusal(cognito.send(new ConfirmSignUpCommand({ ClientId, Username, ConfirmationCode: wrong })))).name);
      return names;
    };
    expect(await guesses('taken@example.com')).toEqual(Array<string>(6).fill('CodeMismatchException'));
    expect(await guesses('fresh@example.com')).toEqual(Array<string>(6).fill('CodeMismatchException'));
  });

  it('refuses a weak password with InvalidPasswordException naming the rule, and creates nobody', async () => {
    const before = await userCount();
    const refused = await refusal(cognito.send(new SignUpCommand({ ClientId, Username: 'weak@example.com', Password: 'short' })));
    expect(refused).toMatchObject({ name: 'InvalidPasswordException', status: 400 });
    expect(refused.message).toMatch(/at least \d+ characters/i);
    expect(await userCount()).toBe(before);
  });

  it('refuses sign-up with NotAuthorizedException when the pool or the app closes it or the app has a secret, and an unknown client with ResourceNotFoundException', async () => {
    const { clients, userPool } = server.latchkey.services;
    const signUp = (clientId: string) => refusal(cognito.send(new SignUpCommand({ ClientId: clientId, Username: 'closed@example.com', Password: PASSWORD })));
    await userPool.setSignup({ enabled: false });
    try {
      expect(await signUp(ClientId)).toMatchObject({ name: 'NotAuthorizedException', message: 'SignUp is not permitted for this user pool' });
    } finally {
      await userPool.setSignup({ enabled: true });
    }
    const closedApp = await clients.create({ name: 'Closed', redirectUris: [REDIRECT_URI], public: true, signup: false });
    expect(await signUp(closedApp.client_id)).toMatchObject({ name: 'NotAuthorizedException', message: 'SignUp is not permitted for this user pool' });
    const confidential = await clients.create({ name: 'Backend', redirectUris: [REDIRECT_URI] });
    const withSecret = await signUp(confidential.client_id);
    expect(withSecret.name).toBe('NotAuthorizedException');
    expect(withSecret.message).toContain('SecretHash');
    expect((await signUp('no-such-client')).name).toBe('ResourceNotFoundException');
    await expect(smtp.waitFor('closed@example.com', undefined, 300)).rejects.toThrow();
  });

  it('resends a confirmation code to an unconfirmed account, then refuses another within the minute with LimitExceededException, for a stranger alike', async () => {
    const user = await server.latchkey.services.users.create({ email: 'una@example.com', password: PASSWORD, status: 'unconfirmed' });
    const resend = (Username: string) => cognito.send(new ResendConfirmationCodeCommand({ ClientId, Username }));
    expect((await resend('una@example.com')).CodeDeliveryDetails).toEqual({ Destination: 'u***@e***.com', DeliveryMedium: 'EMAIL', AttributeName: 'email' });
    const code = codeIn((await smtp.waitFor('una@example.com')).text)!;
    expect((await resend('ghost@example.com')).CodeDeliveryDetails).toEqual({ Destination: 'g***@e***.com', DeliveryMedium: 'EMAIL', AttributeName: 'email' });
    for (const name of ['una@example.com', 'ghost@example.com']) expect(await refusal(resend(name))).toMatchObject({ name: 'LimitExceededException', status: 400 });
    await cognito.send(new ConfirmSignUpCommand({ ClientId, Username: 'una@example.com', ConfirmationCode: code }));
    expect((await server.latchkey.services.users.findById(user.id))!.status).toBe('confirmed');
  });

  it('resets a forgotten password with ForgotPassword and ConfirmForgotPassword, ending the old refresh token; an unknown name is answered alike', async () => {
    const user = await server.latchkey.services.users.create({ email: 'bea@example.com', username: 'bea', password: PASSWORD, emailVerified: true });
    const before = await signIn('bea', PASSWORD);
    expect(before.refresh_token).toBeDefined();

    const forgot = (Username: string) => cognito.send(new ForgotPasswordCommand({ ClientId, Username }));
    const known = await forgot('bea');
    const unknown = await forgot('nobody-here');
    expect(known.CodeDeliveryDetails).toEqual({ Destination: '***@***', DeliveryMedium: 'EMAIL', AttributeName: 'email' });
    expect(unknown.CodeDeliveryDetails).toEqual(known.CodeDeliveryDetails);
    expect((await forgot('nobody@example.com')).CodeDeliveryDetails?.Destination).toBe('n***@e***.com');
    await expect(smtp.waitFor('nobody@example.com', undefined, 300)).rejects.toThrow();
    const code = codeIn((await smtp.waitFor('bea@example.com', (m) => m.subject.toLowerCase().includes('reset'))).text)!;

    const confirm = (Username: string, ConfirmationCode: string, Password: string) => cognito.send(new ConfirmForgotPasswordCommand({ ClientId, Username, ConfirmationCode, Password }));
    expect(await refusal(confirm('bea', otherCode(code), NEW_PASSWORD))).toMatchObject({ name: 'CodeMismatchException', status: 400 });
    expect((await refusal(confirm('nobody-here', code, NEW_PASSWORD))).name).toBe('CodeMismatchException');
    for (const name of ['bea', 'nobody-here']) expect((await refusal(confirm(name, code, 'short'))).name).toBe('InvalidPasswordException');
    expect((await confirm('bea', code, NEW_PASSWORD)).$metadata.httpStatusCode).toBe(200);
    await smtp.waitFor('bea@example.com', (m) => m.subject.toLowerCase().includes('changed'));

    await expect(oidc.refreshTokenGrant(app, before.refresh_token!)).rejects.toMatchObject({ error: 'invalid_grant' });
    expect((await signIn('bea', NEW_PASSWORD)).claims()!.sub).toBe(user.id);
    expect((await refusal(confirm('bea', code, 'yet another long passphrase'))).name).toBe('CodeMismatchException');
  });

  it('throttles code guessing: ConfirmSignUp for a name nobody has is CodeMismatchException ten times, then LimitExceededException', async () => {
    const guess = () => refusal(cognito.send(new ConfirmSignUpCommand({ ClientId, Username: 'guessed-name', ConfirmationCode: '123456' })));
    for (let i = 0; i < 10; i++) expect((await guess()).name).toBe('CodeMismatchException');
    expect(await guess()).toMatchObject({ name: 'LimitExceededException', status: 400 });
  });

  describe('wire protocol', () => {
    const post = (body: string, headers: Record<string, string> = {}) => fetch(`${server.issuer}/`, {
      method: 'POST', body, headers: { 'Content-Type': 'application/x-amz-json-1.1', 'X-Amz-Target': 'AWSCognitoIdentityProviderService.SignUp', ...headers },
    });
    async function expectError(response: Response, type: string): Promise<void> {
      expect(response.status).toBe(400);
      expect(response.headers.get('x-amzn-errortype')).toBe(type);
      expect(response.headers.get('access-control-allow-origin')).toBe('*');
      const body = await response.json() as { __type: string; message: string };
      expect(body.__type).toBe(type);
      expect(typeof body.message).toBe('string');
    }

    it('answers malformed JSON, a JSON array, a missing member, an unknown target, a Cognito operation Latchkey does not serve, a wrong content type and an oversized body with 400 and __type', async () => {
      await expectError(await post('{"ClientId": '), 'SerializationException');
      await expectError(await post('[1, 2]'), 'SerializationException');
      await expectError(await post(JSON.stringify({ Username: 'a@example.com', Password: PASSWORD })), 'InvalidParameterException');
      await expectError(await post(JSON.stringify({ ClientId, Username: 'a@example.com', Password: 'x\u0000y' })), 'InvalidParameterException');
      await expectError(await post('{}', { 'X-Amz-Target': 'AWSCognitoIdentityProviderService.NoSuchOperation' }), 'UnknownOperationException');
      await expectError(await post('{}', { 'X-Amz-Target': '' }), 'UnknownOperationException');
      // A real Cognito operation that Latchkey does not serve is named as such, never answered with a success.
      const unsupported = await post('{}', { 'X-Amz-Target': 'AWSCognitoIdentityProviderService.CreateUserPool' });
      await expectError(unsupported, 'UnsupportedOperationException');
      await expectError(await post('{}', { 'Content-Type': 'text/plain' }), 'SerializationException');
      await expectError(await post(JSON.stringify({ ClientId, Username: 'big@example.com', Password: 'p'.repeat(200_000) })), 'InvalidParameterException');
    });

    it('answers a CORS preflight from any origin with the protocol headers and without credentials', async () => {
      const preflight = await fetch(`${server.issuer}/`, {
        method: 'OPTIONS',
        headers: { Origin: 'https://app.example', 'Access-Control-Request-Method': 'POST', 'Access-Control-Request-Headers': 'content-type,x-amz-target,x-amz-user-agent,cache-control' },
      });
      expect(preflight.status).toBe(204);
      expect(preflight.headers.get('access-control-allow-origin')).toBe('*');
      expect(preflight.headers.get('access-control-allow-methods')).toContain('POST');
      const allowed = preflight.headers.get('access-control-allow-headers')!.toLowerCase().split(/,\s*/);
      for (const header of ['content-type', 'x-amz-target', 'x-amz-user-agent', 'cache-control', 'authorization']) expect(allowed).toContain(header);
      expect(preflight.headers.get('access-control-allow-credentials')).toBeNull();
      const answer = await post(JSON.stringify({ ClientId, Username: 'cors@example.com', Password: PASSWORD }), { Origin: 'https://app.example' });
      expect(answer.status).toBe(200);
      expect(answer.headers.get('content-type')).toContain('application/x-amz-json-1.1');
      expect(answer.headers.get('access-control-allow-origin')).toBe('*');
      expect(answer.headers.get('set-cookie')).toBeNull();
    });
  });
});
