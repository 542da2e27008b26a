import { GetObjectCommand, PutObjectCommand, type S3Client, type S3ClientConfig } from '@aws-sdk/client-s3';
import { CognitoIdentityClient, GetCredentialsForIdentityCommand, GetIdCommand } from '@aws-sdk/client-cognito-identity';
import { fromCognitoIdentityPool } from '@aws-sdk/credential-providers';
import { decodeJwt, exportJWK, generateKeyPair, importJWK, SignJWT, type JWK } from 'jose';
import * as oidc from 'openid-client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createMigratedTestDatabase, currentBackend, type TestDatabase } from '../support/backend.js';
import { PASSWORD } from '../support/fixtures.js';
import { openLoginPage, signInToCallback } from '../support/flows.js';
import { startMinio, type MinioHarness } from '../support/minio.js';
import { runCli } from '../support/processes.js';
import { startTestServer, TEST_SECRET, type TestServer } from '../support/test-server.js';
import { UserAgent } from '../support/user-agent.js';

const FREE_POLICY = { Version: '2012-10-17', Statement: [{ Effect: 'Allow', Action: ['s3:GetObject', 's3:ListBucket'], Resource: ['arn:aws:s3:::free', 'arn:aws:s3:::free/*'] }] };
const PREMIUM_POLICY = { Version: '2012-10-17', Statement: [{ Effect: 'Allow', Action: ['s3:GetObject', 's3:ListBucket'], Resource: ['arn:aws:s3:::free', 'arn:aws:s3:::free/*', 'arn:aws:s3:::premium', 'arn:aws:s3:::premium/*'] }] };
const IDENTITY_ID = /^us-east-1:[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;
const TARGET = 'AWSCognitoIdentityService';
const GUEST_LIMIT = 8;

describe(`Cognito identity-pool API (${currentBackend()})`, () => {
  let database: TestDatabase;
  let minio: MinioHarness;
  let server: TestServer;
  let identityPoolId: string;
  /** The Logins key Amplify v6 builds: the ID token's `iss` without its scheme. */
  let providerName: string;
  let player: oidc.Configuration;
  let website: oidc.Configuration;
  const idTokens: Record<string, string> = {};

  beforeAll(async () => {
    database = await createMigratedTestDatabase();
    minio = await startMinio();
    server = await startTestServer({
      env: database.env,
      // The hourly limit bounds a user's issuances and an address's guest identities alike.
      extraEnv: { ...minio.latchkeyEnv, LATCHKEY_STS_RATE_LIMIT: String(GUEST_LIMIT) },
    });
    const { services } = server.latchkey;
    await services.roles.createRole({ name: 'free-viewer', policy: JSON.stringify(FREE_POLICY), maxDurationSeconds: 3600 });
    await services.roles.createRole({ name: 'premium-viewer', policy: JSON.stringify(PREMIUM_POLICY), maxDurationSeconds: 3600 });
    await services.groups.create({ name: 'free', precedence: 20, role: 'free-viewer' });
    await services.groups.create({ name: 'premium', precedence: 10, role: 'premium-viewer' });
    for (const [username, groups] of [['alice', ['free', 'premium']], ['bob', ['free']], ['erin', ['premium']]] as const) {
      await services.users.create({ username, email: `${username}@example.com`, password: PASSWORD, emailVerified: true, groups: [...groups] });
    }
    const app = await services.clients.create({ name: 'Player', redirectUris: ['http://localhost:8976/callback'], scope: 'openid email sts' });
    const plain = await services.clients.create({ name: 'Website', redirectUris: ['http://localhost:8976/callback'], scope: 'openid email' });
    player = await oidc.discovery(new URL(server.issuer), app.client_id, app.client_secret, undefined, { execute: [oidc.allowInsecureRequests] });
    website = await oidc.discovery(new URL(server.issuer), plain.client_id, plain.client_secret, undefined, { execute: [oidc.allowInsecureRequests] });
    for (const username of ['alice', 'bob', 'erin']) idTokens[username] = await idToken(player, username);
    identityPoolId = (await services.userPool.identifiers()).identityPoolId;
    providerName = String(decodeJwt(idTokens.alice!).iss).replace(/(^\w+:|^)\/\//, '');
    const root = minio.s3Client();
    await root.send(new PutObjectCommand({ Bucket: 'free', Key: 'trailer.txt', Body: 'free trailer' }));
    await root.send(new PutObjectCommand({ Bucket: 'premium', Key: 'film.txt', Body: 'premium film' }));
  }, 180_000);
  afterAll(async () => {
    await server?.close();
    await minio?.stop();
    await database?.drop();
  });

  async function signIn(cfg: oidc.Configuration, username: string, scope = 'openid email') {
    const agent = new UserAgent();
    const { page, verifier } = await openLoginPage(agent, cfg, { scope });
    const callback = await signInToCallback(agent, page, username, PASSWORD);
    return oidc.authorizationCodeGrant(cfg, new URL(callback), { pkceCodeVerifier: verifier });
  }
  const idToken = async (cfg: oidc.Configuration, username: string) => (await signIn(cfg, username)).id_token!;

  const identity = () => new CognitoIdentityClient({ endpoint: server.issuer, region: 'us-east-1', maxAttempts: 1 });
  const logins = (token: string) => ({ [providerName]: token });

  async function refusal(promise: Promise<unknown>): Promise<{ name: string; message: string }> {
    try {
      await promise;
    } catch (error) {
      const { name, message } = error as Error;
      return { name, message };
    }
    return { name: 'no error', message: '' };
  }

  function s3With(credentials: S3ClientConfig['credentials']) {
    return minio.s3Client(credentials);
  }
  async function read(s3: S3Client, bucket: string, key: string): Promise<string> {
    try {
      return await (await s3.send(new GetObjectCommand({ Bucket: bucket, Key: key }))).Body!.transformToString();
    } catch (error) {
      return (error as Error).name;
    }
  }

  /** What the service answers to a raw request, for inputs an SDK would not send. */
  async function raw(operation: string, body: unknown) {
    const response = await fetch(`${server.issuer}/`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-amz-json-1.1', 'x-amz-target': `${TARGET}.${operation}` },
      body: typeof body === 'string' ? body : JSON.stringify(body),
    });
    return { status: response.status, type: response.headers.get('x-amzn-errortype'), body: await response.json() as Record<string, unknown> };
  }

  /** An ID token as Latchkey shapes them, signed with `key` (Latchkey's own, or a stranger's). */
  async function forge(key: JWK, claims: Record<string, unknown>): Promise<string> {
    const genuine = decodeJwt(idTokens.alice!);
    return new SignJWT({ ...genuine, ...claims }).setProtectedHeader({ alg: String(key.alg ?? 'RS256'), kid: String(key.kid) }).sign(await importJWK(key, String(key.alg ?? 'RS256')));
  }

  it('answers GetId with the same REGION:uuid identity for the same user every time, and another for another user', async () => {
    const client = identity();
    const first = await client.send(new GetIdCommand({ IdentityPoolId: identityPoolId, Logins: logins(idTokens.alice!) }));
    expect(first.IdentityId).toMatch(IDENTITY_ID);
    const again = await client.send(new GetIdCommand({ IdentityPoolId: identityPoolId, Logins: logins(await idToken(player, 'alice')) }));
    expect(again.IdentityId).toBe(first.IdentityId);
    const bob = await client.send(new GetIdCommand({ IdentityPoolId: identityPoolId, Logins: logins(idTokens.bob!) }));
    expect(bob.IdentityId).toMatch(IDENTITY_ID);
    expect(bob.IdentityId).not.toBe(first.IdentityId);
  });

  it('gives GetCredentialsForIdentity credentials of the role the user\'s groups select, which MinIO honours', async () => {
    const client = identity();
    const { IdentityId } = await client.send(new GetIdCommand({ IdentityPoolId: identityPoolId, Logins: logins(idTokens.bob!) }));
    const before = Date.now();
    const answer = await client.send(new GetCredentialsForIdentityCommand({ IdentityId, Logins: logins(idTokens.bob!) }));
    expect(answer.IdentityId).toBe(IdentityId);
    const c = answer.Credentials!;
    expect(c.AccessKeyId).toHaveLength(20);
    expect(c.Expiration!.getTime()).toBeGreaterThan(before + 3500_000);
    expect(c.Expiration!.getTime()).toBeLessThan(before + 3700_000);
    const s3 = s3With({ accessKeyId: c.AccessKeyId!, secretAccessKey: c.SecretKey!, sessionToken: c.SessionToken! });
    expect(await read(s3, 'free', 'trailer.txt')).toBe('free trailer');
    expect(await read(s3, 'premium', 'film.txt')).toBe('AccessDenied');
    const audit = await server.latchkey.services.credentials.findIssuance(c.AccessKeyId!);
    expect(audit).toMatchObject({ channel: 'cognito-identity', role_name: 'free-viewer', identity_id: IdentityId!.split(':')[1] });
  });

  it('feeds fromCognitoIdentityPool into an S3 client that reads what the role allows and is refused the rest', async () => {
    const credentials = fromCognitoIdentityPool({ identityPoolId, logins: logins(idTokens.alice!), clientConfig: { endpoint: server.issuer, region: 'us-east-1' } });
    const s3 = s3With(credentials);
    expect(await read(s3, 'premium', 'film.txt')).toBe('premium film');
    expect(await read(s3, 'free', 'trailer.txt')).toBe('free trailer');
    const put = await s3.send(new PutObjectCommand({ Bucket: 'premium', Key: 'upload.txt', Body: 'x' })).then(() => 'ok', (error: Error) => error.name);
    expect(put).toBe('AccessDenied');
  });

  it('takes CustomRoleArn among the user\'s roles by its last segment, and refuses a role the user is not entitled to', async () => {
    const client = identity();
    const { IdentityId } = await client.send(new GetIdCommand({ IdentityPoolId: identityPoolId, Logins: logins(idTokens.alice!) }));
    const picked = await client.send(new GetCredentialsForIdentityCommand({ IdentityId, Logins: logins(idTokens.alice!), CustomRoleArn: 'arn:aws:iam::123456789012:role/free-viewer' }));
    const s3 = s3With({ accessKeyId: picked.Credentials!.AccessKeyId!, secretAccessKey: picked.Credentials!.SecretKey!, sessionToken: picked.Credentials!.SessionToken! });
    expect(await read(s3, 'premium', 'film.txt')).toBe('AccessDenied');
    const erin = await client.send(new GetIdCommand({ IdentityPoolId: identityPoolId, Logins: logins(idTokens.erin!) }));
    const refused = await refusal(client.send(new GetCredentialsForIdentityCommand({ IdentityId: erin.IdentityId, Logins: logins(idTokens.erin!), CustomRoleArn: 'arn:aws:iam::123456789012:role/free-viewer' })));
    expect(refused.name).toBe('NotAuthorizedException');
  });

  it('refuses another user\'s identity, and a user\'s identity without its login, with NotAuthorizedException', async () => {
    const client = identity();
    const alice = await client.send(new GetIdCommand({ IdentityPoolId: identityPoolId, Logins: logins(idTokens.alice!) }));
    expect((await refusal(client.send(new GetCredentialsForIdentityCommand({ IdentityId: alice.IdentityId, Logins: logins(idTokens.bob!) })))).name).toBe('NotAuthorizedException');
    expect((await refusal(client.send(new GetCredentialsForIdentityCommand({ IdentityId: alice.IdentityId })))).name).toBe('NotAuthorizedException');
  });

  it('refuses with NotAuthorizedException a token signed by another key, a tampered one, an expired one, one of a client not allowed the identity pool, and an access token', async () => {
    const client = identity();
    const getId = (token: string) => refusal(client.send(new GetIdCommand({ IdentityPoolId: identityPoolId, Logins: logins(token) })));
    const { privateKey } = await generateKeyPair('RS256', { extractable: true });
    const ownKey = server.latchkey.holder.keySet.privateJwks[0]!;
    const stranger = await forge({ ...(await exportJWK(privateKey)), alg: 'RS256', kid: String(ownKey.kid) }, {});
    const [header, payload, signature] = idTokens.alice!.split('.');
    const tampered = `${header}.${Buffer.from(JSON.stringify({ ...decodeJwt(idTokens.alice!), sub: decodeJwt(idTokens.bob!).sub })).toString('base64url')}.${signature}`;
    expect(payload).not.toBe(tampered.split('.')[1]);
    const now = Math.floor(Date.now() / 1000);
    const expired = await forge(ownKey, { iat: now - 7200, exp: now - 3600 });
    const websiteToken = await idToken(website, 'alice');
    // An access token of the same user and client, with the `sts` scope: signed by the same keys, not a login.
    const accessToken = (await signIn(player, 'alice', 'openid email sts')).access_token;
    for (const token of [stranger, tampered, expired, websiteToken, accessToken, 'not-a-jwt']) {
      expect((await getId(token)).name, token.slice(0, 40)).toBe('NotAuthorizedException');
    }
    expect((await getId(expired)).message).toMatch(/expired/i);
    // The same token signed by Latchkey's key passes: the refusals above are the signature's and the expiry's.
    expect((await client.send(new GetIdCommand({ IdentityPoolId: identityPoolId, Logins: logins(await forge(ownKey, {})) }))).IdentityId).toMatch(IDENTITY_ID);
  });

  it('refuses a Logins key that is not Latchkey\'s issuer, naming the mismatch, and an unknown identity pool with ResourceNotFoundException', async () => {
    const client = identity();
    const foreign = await refusal(client.send(new GetIdCommand({ IdentityPoolId: identityPoolId, Logins: { 'cognito-idp.us-east-1.amazonaws.com/us-east-1_Abc123': idTokens.alice! } })));
    expect(foreign).toMatchObject({ name: 'NotAuthorizedException', message: expect.stringMatching(/^Invalid login token\. Issuer doesn't match providerName/) });
    const unknown = await refusal(client.send(new GetIdCommand({ IdentityPoolId: 'us-east-1:00000000-0000-4000-8000-000000000000', Logins: logins(idTokens.alice!) })));
    expect(unknown.name).toBe('ResourceNotFoundException');
  });

  it('refuses an ID token issued before the user signed out everywhere', async () => {
    const before = await idToken(player, 'erin');
    const client = identity();
    const { IdentityId } = await client.send(new GetIdCommand({ IdentityPoolId: identityPoolId, Logins: logins(before) }));
    await server.latchkey.services.users.signOutEverywhere('erin');
    expect((await refusal(client.send(new GetCredentialsForIdentityCommand({ IdentityId, Logins: logins(before) })))).name).toBe('NotAuthorizedException');
    const after = await idToken(player, 'erin');
    expect((await client.send(new GetCredentialsForIdentityCommand({ IdentityId, Logins: logins(after) }))).IdentityId).toBe(IdentityId);
    idTokens.erin = after;
  });

  it('answers bad input with Cognito errors in the 400s, never a 5xx', async () => {
    const cases: [string, unknown, string][] = [
      ['GetId', {}, 'InvalidParameterException'],
      ['GetId', { IdentityPoolId: 7 }, 'InvalidParameterException'],
      ['GetId', { IdentityPoolId: identityPoolId, Logins: { [providerName]: 5 } }, 'InvalidParameterException'],
      ['GetId', '[1]', 'SerializationException'],
      ['GetCredentialsForIdentity', {}, 'InvalidParameterException'],
      ['GetCredentialsForIdentity', { IdentityId: 'not-an-identity' }, 'InvalidParameterException'],
      ['GetCredentialsForIdentity', { IdentityId: 'us-east-1:00000000-0000-4000-8000-000000000000' }, 'ResourceNotFoundException'],
      ['GetCredentialsForIdentity', { IdentityId: 'eu-west-1:00000000-0000-4000-8000-000000000000', Logins: { [providerName]: 'x.y.z' } }, 'ResourceNotFoundException'],
      ['GetOpenIdTokenForDeveloperIdentity', { IdentityPoolId: 'us-east-1:00000000-0000-4000-8000-000000000000' }, 'UnsupportedOperationException'],
    ];
    for (const [operation, body, type] of cases) {
      const answer = await raw(operation, body);
      expect({ operation, body, status: answer.status, type: answer.type, __type: answer.body.__type }).toEqual({ operation, body, status: 400, type, __type: type });
    }
    expect((await raw('GetOpenIdTokenForDeveloperIdentity', {})).body.message).toContain('GetOpenIdTokenForDeveloperIdentity');
  });

  it('refuses guests by default, and with a guest role set by the CLI gives each guest an identity, a bounded number per address, and that role\'s credentials', async () => {
    const client = identity();
    const refused = await refusal(client.send(new GetIdCommand({ IdentityPoolId: identityPoolId })));
    expect(refused).toEqual({ name: 'NotAuthorizedException', message: 'Unauthenticated access is not supported for this identity pool.' });

    const cli = async (...args: string[]) => JSON.parse((await runCli(['--json', 'pool', ...args], { ...database.env, LATCHKEY_SECRET: TEST_SECRET, LOG_LEVEL: 'warn' })).stdout) as { guest_role: string | null };
    expect(await cli('set-guest-role', 'free-viewer')).toEqual({ guest_role: 'free-viewer' });
    try {
      expect((await cli('show')).guest_role).toBe('free-viewer');
      const guest = await client.send(new GetIdCommand({ IdentityPoolId: identityPoolId }));
      expect(guest.IdentityId).toMatch(IDENTITY_ID);
      const other = await client.send(new GetIdCommand({ IdentityPoolId: identityPoolId }));
      expect(other.IdentityId).not.toBe(guest.IdentityId);
      const c = (await client.send(new GetCredentialsForIdentityCommand({ IdentityId: guest.IdentityId }))).Credentials!;
      const s3 = s3With({ accessKeyId: c.AccessKeyId!, secretAccessKey: c.SecretKey!, sessionToken: c.SessionToken! });
      expect(await read(s3, 'free', 'trailer.txt')).toBe('free trailer');
      expect(await read(s3, 'premium', 'film.txt')).toBe('AccessDenied');
      // The issuance is recorded under the guest's identity: its access key in MinIO's logs leads back to it.
      const audit = await runCli(['credentials-audit', c.AccessKeyId!], { ...database.env, LATCHKEY_SECRET: TEST_SECRET, LOG_LEVEL: 'warn' });
      expect(audit.stdout).toContain(`${c.AccessKeyId}: guest identity ${guest.IdentityId!.split(':')[1]}, role free-viewer`);
      // A guest identity is no user's: a login cannot take it over.
      expect((await refusal(client.send(new GetCredentialsForIdentityCommand({ IdentityId: guest.IdentityId, Logins: logins(idTokens.alice!) })))).name).toBe('NotAuthorizedException');
      // The guest role is in use: deleting it is refused, naming that use.
      await expect(server.latchkey.services.roles.deleteRole('free-viewer')).rejects.toThrow(/the pool's guest role/);
      const viaProvider = s3With(fromCognitoIdentityPool({ identityPoolId, clientConfig: { endpoint: server.issuer, region: 'us-east-1' } }));
      expect(await read(viaProvider, 'free', 'trailer.txt')).toBe('free trailer');
      // Anyone may ask for a guest identity: one address makes at most the hourly limit of them.
      const outcomes: string[] = [];
      for (let i = 0; i < GUEST_LIMIT; i++) outcomes.push(await client.send(new GetIdCommand({ IdentityPoolId: identityPoolId })).then(() => 'ok', (error: Error) => error.name));
      expect(outcomes.filter((o) => o === 'ok')).toHaveLength(GUEST_LIMIT - 3);
      expect(outcomes.slice(GUEST_LIMIT - 3)).toEqual(['TooManyRequestsException', 'TooManyRequestsException', 'TooManyRequestsException']);
    } finally {
      expect(await cli('set-guest-role', 'none')).toEqual({ guest_role: null });
    }
    expect((await refusal(client.send(new GetIdCommand({ IdentityPoolId: identityPoolId })))).name).toBe('NotAuthorizedException');
  });
});
