import { GetObjectCommand, PutObjectCommand, type S3Client } from '@aws-sdk/client-s3';
import { Amplify } from 'aws-amplify';
import { confirmSignUp, fetchAuthSession, getCurrentUser, signIn, signOut, signUp } from 'aws-amplify/auth';
import { cognitoUserPoolsTokenProvider } from 'aws-amplify/auth/cognito';
import { createRemoteJWKSet, jwtVerify } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createMigratedTestDatabase, currentBackend, type TestDatabase } from '../support/backend.js';
import { PASSWORD } from '../support/fixtures.js';
import { startMinio, type MinioHarness } from '../support/minio.js';
import { startSmtpCapture, type SmtpCapture } from '../support/smtp-capture.js';
import { startTestServer, type TestServer } from '../support/test-server.js';

const VIEWER_POLICY = { Version: '2012-10-17', Statement: [{ Effect: 'Allow', Action: ['s3:GetObject', 's3:ListBucket'], Resource: ['arn:aws:s3:::free', 'arn:aws:s3:::free/*'] }] };

/** One request Amplify made to Latchkey's Cognito API: the operation it named and the status it got. */
interface Call { target: string; status: number }

/**
 * An unmodified Amplify v6 app, configured as any app is (user pool, app client, identity pool, and the two
 * endpoints pointed at Latchkey), runs its whole auth lifecycle in Node: sign-up with the mailed code, SRP
 * sign-in, the current user, a session whose tokens verify against Latchkey's JWKS and whose AWS credentials
 * MinIO honours, a forced refresh, and local and global sign-out. Amplify needs no browser globals in Node:
 * fetch and WebCrypto are Node's own, and its token store falls back to memory when there is no window.
 */
describe(`Amplify v6 against Latchkey's Cognito APIs (${currentBackend()})`, () => {
  let database: TestDatabase;
  let smtp: SmtpCapture;
  let minio: MinioHarness;
  let server: TestServer;
  let clientId: string;
  const calls: Call[] = [];
  const realFetch = globalThis.fetch;

  beforeAll(async () => {
    database = await createMigratedTestDatabase();
    smtp = await startSmtpCapture();
    minio = await startMinio();
    server = await startTestServer({
      env: database.env,
      extraEnv: { SMTP_URL: smtp.url, ...minio.latchkeyEnv },
    });
    const { services } = server.latchkey;
    await services.roles.createRole({ name: 'viewer', policy: JSON.stringify(VIEWER_POLICY), maxDurationSeconds: 3600 });
    await services.groups.create({ name: 'viewers', precedence: 10, role: 'viewer' });
    // A public client with Cognito's default flows (USER_SRP_AUTH and refresh), allowed the identity pool by `sts`.
    // Cognito's claims: Amplify reads the user's name from `cognito:username` and revokes on signOut() by `origin_jti`.
    clientId = (await services.clients.create({ name: 'Amplify app', public: true, firstParty: true, grantTypes: ['refresh_token'], scope: 'openid email profile sts', cognitoClaims: true })).client_id;
    const root = minio.s3Client();
    await root.send(new PutObjectCommand({ Bucket: 'free', Key: 'trailer.txt', Body: 'free trailer' }));
    await root.send(new PutObjectCommand({ Bucket: 'premium', Key: 'film.txt', Body: 'premium film' }));
    root.destroy();

    // Observe, without changing, every request Amplify sends to the issuer: which operation, which answer.
    globalThis.fetch = async (input, init) => {
      const response = await realFetch(input, init);
      const target = new Headers(init?.headers).get('x-amz-target');
      if (target) calls.push({ target, status: response.status });
      return response;
    };

    const { userPoolId, identityPoolId } = await services.userPool.identifiers();
    Amplify.configure({
      Auth: {
        Cognito: {
          userPoolId, userPoolClientId: clientId, identityPoolId,
          userPoolEndpoint: server.issuer, identityPoolEndpoint: server.issuer,
          allowGuestAccess: false,
          loginWith: { email: true },
        },
      },
    });
  }, 180_000);
  afterAll(async () => {
    globalThis.fetch = realFetch;
    process.stdout.write(`X-Amz-Target values Amplify sent:\n${calls.map((c) => `  ${c.target} → ${c.status}\n`).join('')}`);
    await server?.close();
    await minio?.stop();
    await smtp?.stop();
    await database?.drop();
  });

  /** The operations (without their service prefix) called since `from`, with their statuses. */
  const since = (from: number) => calls.slice(from).map((c) => `${c.target.split('.')[1]} ${c.status}`);
  const jwks = () => createRemoteJWKSet(new URL(`${server.issuer}/jwks`));
  async function read(s3: S3Client, bucket: string, key: string): Promise<string> {
    try {
      return await (await s3.send(new GetObjectCommand({ Bucket: bucket, Key: key }))).Body!.transformToString();
    } catch (error) {
      return (error as Error).name;
    }
  }
  /** What Latchkey answers GetTokensFromRefreshToken for `refreshToken`: the exception's name, or 'ok'. */
  async function refreshWith(refreshToken: string): Promise<string> {
    const response = await realFetch(`${server.issuer}/`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-amz-json-1.1', 'x-amz-target': 'AWSCognitoIdentityProviderService.GetTokensFromRefreshToken' },
      body: JSON.stringify({ ClientId: clientId, RefreshToken: refreshToken }),
    });
    return response.ok ? 'ok' : String(((await response.json()) as { __type?: string }).__type);
  }

  let sub: string;

  it('signs up with Amplify, confirms with the code mailed over SMTP, and reports the sign-up complete', async () => {
    const from = calls.length;
    const answer = await signUp({ username: 'amy@example.com', password: PASSWORD, options: { userAttributes: { email: 'amy@example.com', given_name: 'Amy' } } });
    expect(answer).toMatchObject({ isSignUpComplete: false, nextStep: { signUpStep: 'CONFIRM_SIGN_UP', codeDeliveryDetails: { deliveryMedium: 'EMAIL', attributeName: 'email' } } });
    sub = answer.userId!;
    expect(sub).toMatch(/^[0-9a-f-]{36}$/);
    const code = /\b(\d{6})\b/.exec((await smtp.waitFor('amy@example.com')).text)?.[1];
    expect(code).toBeDefined();
    const confirmed = await confirmSignUp({ username: 'amy@example.com', confirmationCode: code! });
    expect(confirmed).toMatchObject({ isSignUpComplete: true, nextStep: { signUpStep: 'DONE' } });
    expect(since(from)).toEqual(['SignUp 200', 'ConfirmSignUp 200']);
    await server.latchkey.services.groups.addUser('viewers', sub);
  });

  it('refuses a wrong password at signIn with NotAuthorizedException', async () => {
    const error = await signIn({ username: 'amy@example.com', password: `${PASSWORD}x` }).then(() => undefined, (e: Error) => e);
    expect({ name: error?.name, message: error?.message }).toEqual({ name: 'NotAuthorizedException', message: 'Incorrect username or password.' });
  });

  it('signs in by SRP (Amplify\'s default flow) with InitiateAuth and RespondToAuthChallenge, and getCurrentUser gives the user\'s sub and sign-in details', async () => {
    const from = calls.length;
    const result = await signIn({ username: 'amy@example.com', password: PASSWORD });
    expect(result).toEqual({ isSignedIn: true, nextStep: { signInStep: 'DONE' } });
    expect(since(from)).toEqual(['InitiateAuth 200', 'RespondToAuthChallenge 200']);
    const user = await getCurrentUser();
    expect(user.userId).toBe(sub);
    // From the ID token's `cognito:username`: the sub of a user who signed up with an e-mail address, as in Cognito.
    expect(user.username).toBe(sub);
    expect(user.signInDetails).toMatchObject({ loginId: 'amy@example.com', authFlowType: 'USER_SRP_AUTH' });
  });

  it('fetchAuthSession gives ID and access tokens that verify against Latchkey\'s JWKS, and AWS credentials MinIO honours as the role allows', async () => {
    const from = calls.length;
    const session = await fetchAuthSession();
    const id = await jwtVerify(session.tokens!.idToken!.toString(), jwks(), { issuer: server.issuer, audience: clientId });
    expect(id.payload).toMatchObject({ sub, email: 'amy@example.com' });
    const access = await jwtVerify(session.tokens!.accessToken.toString(), jwks(), { issuer: server.issuer });
    expect(access.payload).toMatchObject({ sub, client_id: clientId, iat: expect.any(Number) });
    expect(session.userSub).toBe(sub);
    expect(session.identityId).toMatch(/^us-east-1:[0-9a-f-]{36}$/);
    expect(since(from)).toEqual(['GetId 200', 'GetCredentialsForIdentity 200']);
    const credentials = session.credentials!;
    const s3 = minio.s3Client(credentials);
    expect(await read(s3, 'free', 'trailer.txt')).toBe('free trailer');
    expect(await read(s3, 'premium', 'film.txt')).toBe('AccessDenied');
    s3.destroy();
    const audit = await server.latchkey.services.credentials.findIssuance(credentials.accessKeyId);
    expect(audit).toMatchObject({ channel: 'cognito-identity', role_name: 'viewer', identity_id: session.identityId!.split(':')[1] });
  });

  it('fetchAuthSession({ forceRefresh: true }) refreshes with GetTokensFromRefreshToken: new verified tokens for the same user', async () => {
    const before = await fetchAuthSession();
    const from = calls.length;
    const after = await fetchAuthSession({ forceRefresh: true });
    expect(since(from)[0]).toBe('GetTokensFromRefreshToken 200');
    expect(after.tokens!.accessToken.toString()).not.toBe(before.tokens!.accessToken.toString());
    // The ID token is a new one too, though issued within the same second it may equal the old one byte for byte.
    expect(after.tokens!.idToken!.payload.iat).toBeGreaterThanOrEqual(before.tokens!.idToken!.payload.iat!);
    const id = await jwtVerify(after.tokens!.idToken!.toString(), jwks(), { issuer: server.issuer, audience: clientId });
    expect(id.payload.sub).toBe(sub);
    expect(after.identityId).toBe(before.identityId);
    expect(after.credentials?.accessKeyId).toBeTruthy();
  });

  it('signOut() revokes the refresh token with RevokeToken and ends the session in Amplify: no tokens from fetchAuthSession, getCurrentUser refused', async () => {
    const held = await currentRefreshToken();
    const from = calls.length;
    await signOut();
    // Amplify revokes when the access token has `origin_jti`, which Cognito's claims include.
    expect(since(from)).toEqual(['RevokeToken 200']);
    expect(await refreshWith(held)).toBe('NotAuthorizedException');
    expect((await fetchAuthSession()).tokens).toBeUndefined();
    await expect(getCurrentUser()).rejects.toMatchObject({ name: 'UserUnAuthenticatedException' });
  });

  it('signOut({ global: true }) calls GlobalSignOut, after which the refresh token Amplify held no longer works', async () => {
    await signIn({ username: 'amy@example.com', password: PASSWORD });
    // A refresh proves this session's chain live; the refresh token it returns is unused when the sign-out comes.
    await fetchAuthSession({ forceRefresh: true });
    const held = await currentRefreshToken();
    expect(held).not.toBe('');
    const from = calls.length;
    await signOut({ global: true });
    expect(since(from)).toContain('GlobalSignOut 200');
    expect(await refreshWith(held)).toBe('NotAuthorizedException');
    expect((await fetchAuthSession()).tokens).toBeUndefined();
  });

  /** The refresh token Amplify holds, read from its token store as the app's own code could. */
  async function currentRefreshToken(): Promise<string> {
    const tokens = await cognitoUserPoolsTokenProvider.authTokenStore.loadTokens();
    return tokens?.refreshToken ?? '';
  }
});
