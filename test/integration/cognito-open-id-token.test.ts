import { CognitoIdentityClient, GetCredentialsForIdentityCommand, GetIdCommand, GetOpenIdTokenCommand } from '@aws-sdk/client-cognito-identity';
import { GetObjectCommand, PutObjectCommand } from '@aws-sdk/client-s3';
import { AssumeRoleWithWebIdentityCommand, STSClient } from '@aws-sdk/client-sts';
import { createRemoteJWKSet, decodeJwt, decodeProtectedHeader, importJWK, jwtVerify, SignJWT } from 'jose';
import * as oidc from 'openid-client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createMigratedTestDatabase, currentBackend, type TestDatabase } from '../support/backend.js';
import { PASSWORD } from '../support/fixtures.js';
import { openLoginPage, signInToCallback } from '../support/flows.js';
import { startMinio, type MinioHarness } from '../support/minio.js';
import { startTestServer, type TestServer } from '../support/test-server.js';
import { UserAgent } from '../support/user-agent.js';

const FREE_POLICY = { Version: '2012-10-17', Statement: [{ Effect: 'Allow', Action: ['s3:GetObject'], Resource: ['arn:aws:s3:::free/*'] }] };
const PREMIUM_POLICY = { Version: '2012-10-17', Statement: [{ Effect: 'Allow', Action: ['s3:GetObject'], Resource: ['arn:aws:s3:::free/*', 'arn:aws:s3:::premium/*'] }] };
const role = (name: string) => `arn:aws:iam::000000000000:role/${name}`;

/** The classic Cognito flow: GetId, GetOpenIdToken, then STS AssumeRoleWithWebIdentity, all at Latchkey. */
describe(`Cognito GetOpenIdToken and its token at POST /sts (${currentBackend()})`, () => {
  let database: TestDatabase;
  let minio: MinioHarness;
  let server: TestServer;
  let identityPoolId: string;
  let providerName: string;
  let player: oidc.Configuration;
  const idTokens: Record<string, string> = {};

  beforeAll(async () => {
    database = await createMigratedTestDatabase();
    minio = await startMinio();
    server = await startTestServer({
      env: database.env,
      extraEnv: minio.latchkeyEnv,
    });
    const { services } = server.latchkey;
    await services.roles.createRole({ name: 'free-viewer', policy: JSON.stringify(FREE_POLICY), maxDurationSeconds: 3600 });
    await services.roles.createRole({ name: 'premium-viewer', policy: JSON.stringify(PREMIUM_POLICY), maxDurationSeconds: 3600 });
    await services.groups.create({ name: 'free', precedence: 20, role: 'free-viewer' });
    await services.groups.create({ name: 'premium', precedence: 10, role: 'premium-viewer' });
    for (const [username, groups] of [['alice', ['premium']], ['bob', ['free']], ['carol', ['free']]] as const) {
      await services.users.create({ username, email: `${username}@example.com`, password: PASSWORD, emailVerified: true, groups: [...groups] });
    }
    // Cognito's claims, as an Amplify app has them: the ID token names its sign-in's grant (`origin_jti`).
    const app = await services.clients.create({ name: 'Player', redirectUris: ['http://localhost:8976/callback'], scope: 'openid email sts', cognitoClaims: true });
    player = await oidc.discovery(new URL(server.issuer), app.client_id, app.client_secret, undefined, { execute: [oidc.allowInsecureRequests] });
    for (const username of ['alice', 'bob', 'carol']) idTokens[username] = await idToken(username);
    identityPoolId = (await services.userPool.identifiers()).identityPoolId;
    providerName = String(decodeJwt(idTokens.alice!).iss).replace(/^\w+:\/\//, '');
    const root = minio.s3Client();
    await root.send(new PutObjectCommand({ Bucket: 'free', Key: 'trailer.txt', Body: 'free trailer' }));
    await root.send(new PutObjectCommand({ Bucket: 'premium', Key: 'film.txt', Body: 'premium film' }));
  }, 180_000);
  afterAll(async () => {
    await server?.close();
    await minio?.stop();
    await database?.drop();
  });

  async function idToken(username: string): Promise<string> {
    const agent = new UserAgent();
    const { page, verifier } = await openLoginPage(agent, player, { scope: 'openid email' });
    const callback = await signInToCallback(agent, page, username, PASSWORD);
    return (await oidc.authorizationCodeGrant(player, new URL(callback), { pkceCodeVerifier: verifier })).id_token!;
  }
  const identity = () => new CognitoIdentityClient({ endpoint: server.issuer, region: 'us-east-1', maxAttempts: 1 });
  const sts = () => new STSClient({ endpoint: `${server.issuer}/sts`, region: 'us-east-1', maxAttempts: 1 });
  const logins = (token: string) => ({ [providerName]: token });
  const failure = (promise: Promise<unknown>) => promise.then(() => 'no error', (error: Error) => error.name);

  async function openIdToken(username: string): Promise<{ identityId: string; token: string }> {
    const client = identity();
    const { IdentityId } = await client.send(new GetIdCommand({ IdentityPoolId: identityPoolId, Logins: logins(idTokens[username]!) }));
    const answer = await client.send(new GetOpenIdTokenCommand({ IdentityId, Logins: logins(idTokens[username]!) }));
    expect(answer.IdentityId).toBe(IdentityId);
    return { identityId: IdentityId!, token: answer.Token! };
  }
  async function assume(token: string, roleName: string) {
    return sts().send(new AssumeRoleWithWebIdentityCommand({ RoleArn: role(roleName), RoleSessionName: 'classic', WebIdentityToken: token }));
  }
  async function read(credentials: { AccessKeyId?: string; SecretAccessKey?: string; SessionToken?: string }, bucket: string, key: string): Promise<string> {
    const s3 = minio.s3Client({ accessKeyId: credentials.AccessKeyId!, secretAccessKey: credentials.SecretAccessKey!, sessionToken: credentials.SessionToken! });
    return s3.send(new GetObjectCommand({ Bucket: bucket, Key: key })).then((r) => r.Body!.transformToString(), (error: Error) => error.name);
  }

  it('answers GetOpenIdToken with a ten-minute token of the identity pool, verifiable with Latchkey\'s JWKS', async () => {
    const { identityId, token } = await openIdToken('alice');
    const jwks = createRemoteJWKSet(new URL(`${server.issuer}/.well-known/jwks.json`));
    const { payload, protectedHeader } = await jwtVerify(token, jwks, { issuer: server.issuer, audience: identityPoolId });
    expect(protectedHeader.typ).toBe('identity-pool+jwt');
    expect(payload.sub).toBe(identityId);
    const aliceSub = String(decodeJwt(idTokens.alice!).sub);
    expect(payload.amr).toEqual(['authenticated', providerName, `${providerName}:CognitoSignIn:${aliceSub}`]);
    expect(payload.exp! - payload.iat!).toBe(600);
  });

  it('trades the token at POST /sts, through the unmodified STS client, for credentials MinIO honours as the user\'s role allows', async () => {
    const { identityId, token } = await openIdToken('bob');
    const result = await assume(token, 'free-viewer');
    expect(result.SubjectFromWebIdentityToken).toBe(identityId);
    expect(result.Audience).toBe(identityPoolId);
    expect(await read(result.Credentials!, 'free', 'trailer.txt')).toBe('free trailer');
    expect(await read(result.Credentials!, 'premium', 'film.txt')).toBe('AccessDenied');
    const audit = await server.latchkey.services.credentials.findIssuance(result.Credentials!.AccessKeyId!);
    expect(audit).toMatchObject({ channel: 'aws-sts', role_name: 'free-viewer', identity_id: identityId.split(':')[1] });
    // A role bob is not entitled to is refused, as it is with an access token.
    expect(await failure(assume(token, 'premium-viewer'))).toBe('AccessDenied');
    const alice = await assume((await openIdToken('alice')).token, 'premium-viewer');
    expect(await read(alice.Credentials!, 'premium', 'film.txt')).toBe('premium film');
  });

  it('keeps the token from passing for anything else (not a login, not an access token at /sts/credentials) and refuses it once its app may no longer use the identity pool', async () => {
    const { identityId, token } = await openIdToken('alice');
    const client = identity();
    expect(await failure(client.send(new GetIdCommand({ IdentityPoolId: identityPoolId, Logins: logins(token) })))).toBe('NotAuthorizedException');
    expect(await failure(client.send(new GetCredentialsForIdentityCommand({ IdentityId: identityId, Logins: logins(token) })))).toBe('NotAuthorizedException');
    const bearer = await fetch(`${server.issuer}/sts/credentials`, { method: 'POST', headers: { authorization: `Bearer ${token}` } });
    expect(bearer.status).toBe(401);
    // And an ID token is not an identity-pool token at STS.
    expect(await failure(assume(idTokens.alice!, 'premium-viewer'))).toBe('InvalidIdentityTokenException');
    // An app no longer allowed the identity pool: its logins' tokens stop working, as its ID tokens do.
    const { services } = server.latchkey;
    await services.clients.update(player.clientMetadata().client_id, { scope: 'openid email' });
    try {
      expect(await failure(assume(token, 'premium-viewer'))).toBe('InvalidIdentityTokenException');
    } finally {
      await services.clients.update(player.clientMetadata().client_id, { scope: 'openid email sts' });
    }
    expect((await assume(token, 'premium-viewer')).Credentials?.AccessKeyId).toHaveLength(20);
  });

  it('refuses at STS a token with another audience, a foreign subject, an expired one and a tampered one, with STS\'s errors', async () => {
    const { token } = await openIdToken('alice');
    const header = decodeProtectedHeader(token);
    const ownKey = server.latchkey.holder.keySet.privateJwks[0]!;
    const key = await importJWK(ownKey, String(ownKey.alg));
    const resign = (claims: Record<string, unknown>) => new SignJWT({ ...decodeJwt(token), ...claims }).setProtectedHeader({ alg: String(header.alg), kid: String(header.kid), typ: 'identity-pool+jwt' }).sign(key);
    const now = Math.floor(Date.now() / 1000);
    expect(await failure(assume(await resign({ aud: 'us-east-1:00000000-0000-4000-8000-000000000000' }), 'premium-viewer'))).toBe('InvalidIdentityTokenException');
    expect(await failure(assume(await resign({ iat: now - 1200, exp: now - 600 }), 'premium-viewer'))).toBe('ExpiredTokenException');
    // Bob's identity with alice's sign-in: the stored identity decides whose it is.
    const bob = await openIdToken('bob');
    expect(await failure(assume(await resign({ sub: bob.identityId }), 'premium-viewer'))).toBe('InvalidIdentityTokenException');
    const [h, , signature] = token.split('.');
    const tampered = `${h}.${Buffer.from(JSON.stringify({ ...decodeJwt(token), sub: bob.identityId })).toString('base64url')}.${signature}`;
    expect(await failure(assume(tampered, 'free-viewer'))).toBe('InvalidIdentityTokenException');
    // The unchanged re-signed token passes: the refusals above are the changed claims'.
    expect((await assume(await resign({}), 'premium-viewer')).Credentials?.AccessKeyId).toHaveLength(20);
  });

  it('stops the token working once the user signs out everywhere', async () => {
    const { token } = await openIdToken('carol');
    expect((await assume(token, 'free-viewer')).Credentials?.AccessKeyId).toHaveLength(20);
    await server.latchkey.services.users.signOutEverywhere('carol');
    expect(await failure(assume(token, 'free-viewer'))).toBe('InvalidIdentityTokenException');
    // Its login ended too: a new token needs a new sign-in. The new sign-in may fall in the same second as the
    // old ID token's `iat`; the old token is still refused because it names its own, ended grant.
    const client = identity();
    const fresh = await idToken('carol');
    expect(decodeJwt(fresh).origin_jti).not.toBe(decodeJwt(idTokens.carol!).origin_jti);
    const { IdentityId } = await client.send(new GetIdCommand({ IdentityPoolId: identityPoolId, Logins: logins(fresh) }));
    expect(await failure(client.send(new GetOpenIdTokenCommand({ IdentityId, Logins: logins(idTokens.carol!) })))).toBe('NotAuthorizedException');
    expect((await client.send(new GetOpenIdTokenCommand({ IdentityId, Logins: logins(fresh) }))).IdentityId).toBe(IdentityId);
  });

  it('refuses GetOpenIdToken for a user\'s identity without its login or with another user\'s, and bad input, with Cognito\'s errors', async () => {
    const client = identity();
    const { IdentityId } = await client.send(new GetIdCommand({ IdentityPoolId: identityPoolId, Logins: logins(idTokens.alice!) }));
    expect(await failure(client.send(new GetOpenIdTokenCommand({ IdentityId })))).toBe('NotAuthorizedException');
    expect(await failure(client.send(new GetOpenIdTokenCommand({ IdentityId, Logins: logins(idTokens.bob!) })))).toBe('NotAuthorizedException');
    const raw = async (body: unknown) => {
      const response = await fetch(`${server.issuer}/`, { method: 'POST', headers: { 'content-type': 'application/x-amz-json-1.1', 'x-amz-target': 'AWSCognitoIdentityService.GetOpenIdToken' }, body: JSON.stringify(body) });
      return { status: response.status, type: response.headers.get('x-amzn-errortype') };
    };
    expect(await raw({})).toEqual({ status: 400, type: 'InvalidParameterException' });
    expect(await raw({ IdentityId: 'not-an-identity' })).toEqual({ status: 400, type: 'InvalidParameterException' });
    expect(await raw({ IdentityId: 'us-east-1:00000000-0000-4000-8000-000000000000' })).toEqual({ status: 400, type: 'ResourceNotFoundException' });
  });

  it('gives a guest a token with amr unauthenticated, which STS trades for the guest role and no other', async () => {
    const { services } = server.latchkey;
    await services.roles.setGuestRole('free-viewer');
    try {
      const client = identity();
      const { IdentityId } = await client.send(new GetIdCommand({ IdentityPoolId: identityPoolId }));
      const { Token } = await client.send(new GetOpenIdTokenCommand({ IdentityId }));
      expect(decodeJwt(Token!)).toMatchObject({ sub: IdentityId, aud: identityPoolId, amr: ['unauthenticated'] });
      const result = await assume(Token!, 'free-viewer');
      expect(result.SubjectFromWebIdentityToken).toBe(IdentityId);
      expect(await read(result.Credentials!, 'free', 'trailer.txt')).toBe('free trailer');
      expect(await failure(assume(Token!, 'premium-viewer'))).toBe('AccessDenied');
      await services.roles.setGuestRole(null);
      expect(await failure(assume(Token!, 'free-viewer'))).toBe('AccessDenied');
    } finally {
      await services.roles.setGuestRole(null);
    }
  });
});
