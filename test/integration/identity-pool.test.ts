import { DeleteBucketCommand, GetObjectCommand, PutObjectCommand, type S3Client } from '@aws-sdk/client-s3';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { AssumeRoleWithWebIdentityCommand, STSClient } from '@aws-sdk/client-sts';
import { fromTokenFile } from '@aws-sdk/credential-provider-web-identity';
import { generateKeyPair, SignJWT } from 'jose';
import * as oidc from 'openid-client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createMigratedTestDatabase, currentBackend, type TestDatabase } from '../support/backend.js';
import { PASSWORD } from '../support/fixtures.js';
import { openLoginPage, signInToCallback } from '../support/flows.js';
import { startMinio, type MinioHarness } from '../support/minio.js';
import { runCli } from '../support/processes.js';
import { startTestServer, TEST_SECRET, type TestServer } from '../support/test-server.js';
import { createMinioStsClient } from '../../src/identity-pool/minio-sts-client.js';
import { UserAgent } from '../support/user-agent.js';

/** A streaming service: free viewers read the free catalogue, premium ones the premium one, all their own folder. */
const homeStatements = [
  { Effect: 'Allow', Action: ['s3:GetObject', 's3:PutObject', 's3:DeleteObject'], Resource: ['arn:aws:s3:::home/${sub}/*'] },
  { Effect: 'Allow', Action: ['s3:ListBucket'], Resource: ['arn:aws:s3:::home'], Condition: { StringLike: { 's3:prefix': ['${sub}/*'] } } },
];
const FREE_POLICY = { Version: '2012-10-17', Statement: [{ Effect: 'Allow', Action: ['s3:GetObject', 's3:ListBucket'], Resource: ['arn:aws:s3:::free', 'arn:aws:s3:::free/*'] }, ...homeStatements] };
const PREMIUM_POLICY = { Version: '2012-10-17', Statement: [{ Effect: 'Allow', Action: ['s3:GetObject', 's3:ListBucket'], Resource: ['arn:aws:s3:::free', 'arn:aws:s3:::free/*', 'arn:aws:s3:::premium', 'arn:aws:s3:::premium/*'] }, ...homeStatements] };
const UPLOADER_POLICY = { Version: '2012-10-17', Statement: [{ Effect: 'Allow', Action: ['s3:PutObject'], Resource: ['arn:aws:s3:::premium/uploads/${username}/*'] }] };

interface Credentials { Version: number; AccessKeyId: string; SecretAccessKey: string; SessionToken: string; Expiration: string; Role: string }

describe(`identity pool on MinIO (${currentBackend()})`, () => {
  let database: TestDatabase;
  let minio: MinioHarness;
  let server: TestServer;
  let config: oidc.Configuration;
  let noStsConfig: oidc.Configuration;
  const ids: Record<string, string> = {};
  const tokens: Record<string, string> = {};

  beforeAll(async () => {
    database = await createMigratedTestDatabase();
    minio = await startMinio();
    server = await startTestServer({
      env: database.env,
      extraEnv: { ...minio.latchkeyEnv, LATCHKEY_STS_MAX_DURATION: '7200', LATCHKEY_STS_RATE_LIMIT: '40' },
    });
    const { services } = server.latchkey;
    await services.roles.createRole({ name: 'free-viewer', policy: JSON.stringify(FREE_POLICY), maxDurationSeconds: 3600 });
    await services.roles.createRole({ name: 'premium-viewer', policy: JSON.stringify(PREMIUM_POLICY), maxDurationSeconds: 7200 });
    await services.roles.createRole({ name: 'uploader', policy: JSON.stringify(UPLOADER_POLICY) });
    await services.groups.create({ name: 'free', precedence: 20, role: 'free-viewer' });
    await services.groups.create({ name: 'premium', precedence: 10, role: 'premium-viewer' });
    for (const [username, groups, email] of [['alice', ['free', 'premium'], 'alice@example.com'], ['bob', ['free'], 'bob@example.com'], ['carol', [], 'carol@example.com'], ['dave', ['free'], 'dave@studio.example'], ['rosa', ['free'], 'rosa@example.com'], ['sid', ['free'], 'sid@example.com']] as const) {
      ids[username] = (await services.users.create({ username, email, password: PASSWORD, emailVerified: true, groups: [...groups] })).id;
    }
    const app = await services.clients.create({ name: 'Player', redirectUris: ['http://localhost:8976/callback'], scope: 'openid email sts' });
    const plain = await services.clients.create({ name: 'Website', redirectUris: ['http://localhost:8976/callback'], scope: 'openid email' });
    config = await oidc.discovery(new URL(server.issuer), app.client_id, app.client_secret, undefined, { execute: [oidc.allowInsecureRequests] });
    noStsConfig = await oidc.discovery(new URL(server.issuer), plain.client_id, plain.client_secret, undefined, { execute: [oidc.allowInsecureRequests] });
    for (const username of ['alice', 'bob', 'carol', 'dave', 'rosa']) tokens[username] = await accessToken(config, username, 'openid email sts');
    await putAsRoot('free/trailer.txt', 'free trailer');
    await putAsRoot('premium/film.txt', 'premium film');
  }, 180_000);
  afterAll(async () => {
    await server?.close();
    await minio?.stop();
    await database?.drop();
  });

  async function putAsRoot(key: string, body: string) {
    const s3 = minio.s3Client();
    const [bucket, ...rest] = key.split('/');
    await s3.send(new PutObjectCommand({ Bucket: bucket, Key: rest.join('/'), Body: body }));
  }

  async function accessToken(cfg: oidc.Configuration, username: string, scope: string): Promise<string> {
    const agent = new UserAgent();
    const { page, verifier } = await openLoginPage(agent, cfg, { scope });
    const callback = await signInToCallback(agent, page, username, PASSWORD);
    return (await oidc.authorizationCodeGrant(cfg, new URL(callback), { pkceCodeVerifier: verifier })).access_token;
  }

  async function exchange(token: string, body?: unknown, contentType = 'application/json') {
    const response = await fetch(`${server.issuer}/sts/credentials`, {
      method: 'POST',
      headers: { authorization: `Bearer ${token}`, ...(body !== undefined ? { 'content-type': contentType } : {}) },
      ...(body !== undefined ? { body: typeof body === 'string' ? body : JSON.stringify(body) } : {}),
    });
    return { status: response.status, body: await response.json() as Credentials & { error?: string; error_description?: string } };
  }

  function s3For(c: { AccessKeyId: string; SecretAccessKey: string; SessionToken: string }) {
    return minio.s3Client({ accessKeyId: c.AccessKeyId, secretAccessKey: c.SecretAccessKey, sessionToken: c.SessionToken });
  }

  async function s3Outcome(promise: Promise<unknown>): Promise<string> {
    try {
      await promise;
      return 'ok';
    } catch (error) {
      return (error as { name: string }).name;
    }
  }

  const read = (s3: S3Client, key: string) => {
    const [bucket, ...rest] = key.split('/');
    return s3Outcome(s3.send(new GetObjectCommand({ Bucket: bucket, Key: rest.join('/') })).then((r) => r.Body?.transformToString()));
  };
  const write = (s3: S3Client, key: string) => {
    const [bucket, ...rest] = key.split('/');
    return s3Outcome(s3.send(new PutObjectCommand({ Bucket: bucket, Key: rest.join('/'), Body: 'hello' })));
  };

  it('gives a premium subscriber premium, free and own-folder access, and nothing else', async () => {
    const before = Date.now();
    const { status, body } = await exchange(tokens.alice!);
    expect(status, JSON.stringify(body)).toBe(200);
    expect(body).toMatchObject({ Version: 1, Role: 'premium-viewer' });
    expect(body.AccessKeyId).toHaveLength(20);
    expect(body.SecretAccessKey).toHaveLength(40);
    expect(body.SessionToken.split('.')).toHaveLength(3);
    expect(Math.abs(Date.parse(body.Expiration) - (before + 3600_000))).toBeLessThan(60_000);
    const s3 = s3For(body);
    expect(await read(s3, 'premium/film.txt')).toBe('ok');
    expect(await read(s3, 'free/trailer.txt')).toBe('ok');
    expect(await write(s3, `home/${ids.alice}/notes.txt`)).toBe('ok');
    expect(await read(s3, `home/${ids.alice}/notes.txt`)).toBe('ok');
    expect(await write(s3, `home/${ids.bob}/intrusion.txt`)).toBe('AccessDenied');
    expect(await write(s3, 'premium/defaced.txt')).toBe('AccessDenied');
    expect(await s3Outcome(s3.send(new DeleteBucketCommand({ Bucket: 'free' })))).toBe('AccessDenied');
    // Every issuance is recorded: an access key in MinIO's logs leads back to a person.
    const audit = await server.db.query<{ expires_at: Date }>('SELECT user_id, client_id, role_name, channel, expires_at FROM credential_issuances WHERE access_key_id = $1', [body.AccessKeyId]);
    expect(audit.rows).toEqual([{ user_id: ids.alice, client_id: config.clientMetadata().client_id, role_name: 'premium-viewer', channel: 'credentials', expires_at: new Date(body.Expiration) }]);
    const cli = await runCli(['--json', 'credentials-audit', body.AccessKeyId], { ...database.env, LATCHKEY_SECRET: TEST_SECRET, LOG_LEVEL: 'warn' });
    expect(cli.code, cli.stderr).toBe(0);
    expect(JSON.parse(cli.stdout)).toMatchObject({ user_id: ids.alice, role_name: 'premium-viewer', access_key_id: body.AccessKeyId });
    expect(await (await fetch(`${server.issuer}/metrics`)).text()).toContain('latchkey_credentials_issued_total{role="premium-viewer"} 1');
  });

  it('keeps a free viewer out of the premium catalogue and other homes', async () => {
    const { status, body } = await exchange(tokens.bob!);
    expect(status).toBe(200);
    expect(body.Role).toBe('free-viewer');
    const s3 = s3For(body);
    expect(await read(s3, 'free/trailer.txt')).toBe('ok');
    expect(await read(s3, 'premium/film.txt')).toBe('AccessDenied');
    expect(await write(s3, `home/${ids.bob}/list.txt`)).toBe('ok');
    expect(await read(s3, `home/${ids.alice}/notes.txt`)).toBe('AccessDenied');
  });

  it('cannot create long-lived service accounts or use admin APIs with the credentials', async () => {
    const { body } = await exchange(tokens.bob!);
    const creds = { accessKeyId: body.AccessKeyId, secretAccessKey: body.SecretAccessKey, sessionToken: body.SessionToken };
    // Controls: mc does work with these credentials, and the admin command works for the root user,
    // so each failure below is MinIO refusing the action.
    const cat = await minio.mc(['cat', 'x/free/trailer.txt'], creds);
    expect(cat.stdout).toBe('free trailer');
    expect((await minio.mc(['admin', 'user', 'svcacct', 'add', 't', 'latchkey-sts'])).code).toBe(0);
    for (const args of [['admin', 'user', 'svcacct', 'add', 'x', 'latchkey-sts'], ['admin', 'user', 'svcacct', 'add', 'x', body.AccessKeyId], ['admin', 'user', 'list', 'x']]) {
      const attempt = await minio.mc(args, creds);
      expect(attempt.code, attempt.stdout).not.toBe(0);
      expect(`${attempt.stderr}${attempt.stdout}`).toMatch(/access denied/i);
    }
  });

  it('resolves roles: entitled request, refused request, rules first, default role, deny', async () => {
    expect((await exchange(tokens.alice!, { role: 'free-viewer' })).body.Role).toBe('free-viewer');
    const refused = await exchange(tokens.bob!, { role: 'premium-viewer' });
    expect(refused.status).toBe(403);
    expect(refused.body.error).toBe('role_not_allowed');
    expect((await exchange(tokens.bob!, { role: 'no-such-role' })).body.error).toBe('role_not_allowed');

    const carol = await exchange(tokens.carol!);
    expect(carol.status).toBe(403);
    expect(carol.body.error).toBe('no_role');
    await server.latchkey.services.roles.setDefaultRole('free-viewer');
    expect((await exchange(tokens.carol!)).body.Role).toBe('free-viewer');

    // A rule beats group precedence: studio staff get the uploader role.
    await server.latchkey.services.roles.addRule({ claim: 'email', match: 'contains', value: '@studio.example', role: 'uploader' });
    const dave = await exchange(tokens.dave!);
    expect(dave.body.Role).toBe('uploader');
    expect(await write(s3For(dave.body), 'premium/uploads/dave/cut.mp4')).toBe('ok');
    expect(await write(s3For(dave.body), 'premium/uploads/alice/cut.mp4')).toBe('AccessDenied');
    await server.latchkey.services.roles.removeRule(1);
    await server.latchkey.services.roles.setDefaultRole(null);
  });

  it('honours the requested duration within the role maximum and refuses out-of-range ones', async () => {
    const before = Date.now();
    const short = await exchange(tokens.alice!, { duration_seconds: 900 });
    expect(short.status).toBe(200);
    expect(Math.abs(Date.parse(short.body.Expiration) - (before + 900_000))).toBeLessThan(60_000);
    const long = await exchange(tokens.alice!, { duration_seconds: 7200 });
    expect(long.status).toBe(200);
    for (const duration of [899, 7201]) {
      const refused = await exchange(tokens.alice!, { duration_seconds: duration });
      expect(refused.status).toBe(400);
      expect(refused.body.error_description).toContain('between 900 and 7200');
    }
    // free-viewer's maximum is 3600
    expect((await exchange(tokens.bob!, { duration_seconds: 3601 })).status).toBe(400);
  });

  it('accepts a web-identity token file written by echo, trailing newline and all, through the SDK\'s own token-file provider', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'lk-token-'));
    const tokenFile = join(dir, 'token');
    writeFileSync(tokenFile, `${tokens.alice!}\n`);
    const provider = fromTokenFile({
      webIdentityTokenFile: tokenFile, roleArn: 'arn:aws:iam::000000000000:role/premium-viewer', roleSessionName: 'alice-file',
      clientConfig: { endpoint: `${server.issuer}/sts`, region: 'us-east-1' },
    });
    const c = await provider();
    expect(await read(s3For({ AccessKeyId: c.accessKeyId, SecretAccessKey: c.secretAccessKey, SessionToken: c.sessionToken! }), 'premium/film.txt')).toBe('ok');
  });

  it('gives working credentials to the unmodified AWS SDK through POST /sts', async () => {
    const sts = new STSClient({ endpoint: `${server.issuer}/sts`, region: 'us-east-1' });
    const result = await sts.send(new AssumeRoleWithWebIdentityCommand({
      RoleArn: 'arn:aws:iam::000000000000:role/premium-viewer', RoleSessionName: 'alice-tv', WebIdentityToken: tokens.alice!, DurationSeconds: 900,
    }));
    expect(result.SubjectFromWebIdentityToken).toBe(ids.alice);
    const c = result.Credentials!;
    expect(c.Expiration!.getTime() - Date.now()).toBeGreaterThan(800_000);
    expect(await read(s3For({ AccessKeyId: c.AccessKeyId!, SecretAccessKey: c.SecretAccessKey!, SessionToken: c.SessionToken! }), 'premium/film.txt')).toBe('ok');

    await expect(sts.send(new AssumeRoleWithWebIdentityCommand({ RoleArn: 'arn:aws:iam::1:role/premium-viewer', RoleSessionName: 'bob-tv', WebIdentityToken: tokens.bob! })))
      .rejects.toMatchObject({ name: 'AccessDenied' });
    await expect(sts.send(new AssumeRoleWithWebIdentityCommand({ RoleArn: 'arn:aws:iam::1:role/free-viewer', RoleSessionName: 'x1', WebIdentityToken: 'not-a-token' })))
      .rejects.toMatchObject({ name: 'InvalidIdentityTokenException' });
  });

  it('refuses bad tokens and bad bodies precisely, without calling MinIO', async () => {
    const calls = minio.proxy.count;
    const [h, p, s] = tokens.alice!.split('.');
    const claims = JSON.parse(Buffer.from(p!, 'base64url').toString()) as Record<string, unknown>;
    const tampered = [h, Buffer.from(JSON.stringify({ ...claims, sub: ids.bob })).toString('base64url'), s].join('.');
    const { privateKey } = await generateKeyPair('RS256');
    const foreign = await new SignJWT({ ...claims }).setProtectedHeader({ alg: 'RS256', typ: 'at+jwt', kid: h && JSON.parse(Buffer.from(h, 'base64url').toString()).kid }).setIssuer('https://evil.example').sign(privateKey);
    const [key] = server.latchkey.holder.keySet.privateJwks;
    const { importJWK } = await import('jose');
    const expired = await new SignJWT({ ...claims, exp: Math.floor(Date.now() / 1000) - 60, iat: Math.floor(Date.now() / 1000) - 4000 })
      .setProtectedHeader({ alg: 'RS256', typ: 'at+jwt', kid: key!.kid! }).sign(await importJWK(key!, 'RS256'));
    const wrongIssuer = await new SignJWT({ ...claims, iss: 'https://other.example' }).setProtectedHeader({ alg: 'RS256', typ: 'at+jwt', kid: key!.kid! }).sign(await importJWK(key!, 'RS256'));
    for (const token of [tampered, foreign, expired, wrongIssuer, 'garbage']) {
      const { status, body } = await exchange(token);
      expect(status).toBe(401);
      expect(body.error).toBe('invalid_token');
    }
    const missing = await fetch(`${server.issuer}/sts/credentials`, { method: 'POST' });
    expect(missing.status).toBe(401);
    expect(missing.headers.get('www-authenticate')).toContain('Bearer');

    // A token from a client not registered for the sts scope.
    const noScope = await exchange(await accessToken(noStsConfig, 'alice', 'openid email'));
    expect(noScope.status).toBe(403);
    expect(noScope.body.error).toBe('insufficient_scope');
    // Revoked: the grant behind the token is gone.
    const doomed = await accessToken(config, 'bob', 'openid email sts');
    await oidc.tokenRevocation(config, doomed);
    const revoked = await exchange(doomed);
    expect({ status: revoked.status, error: revoked.body.error }).toEqual({ status: 401, error: 'invalid_token' });

    for (const [body, type, status, error] of [
      ['{not json', 'application/json', 400, 'invalid_request'],
      [{ duration_seconds: 'soon' }, 'application/json', 400, 'invalid_request'],
      [{ role: 'x', admin: true }, 'application/json', 400, 'invalid_request'],
      [{ role: '../etc' }, 'application/json', 400, 'invalid_request'],
      ['<xml/>', 'text/xml', 415, 'unsupported_media_type'],
    ] as const) {
      const r = await exchange(tokens.alice!, body, type);
      expect({ status: r.status, error: r.body.error }).toEqual({ status, error });
    }
    expect(minio.proxy.count).toBe(calls);
  });

  it('answers 503 with a clear message while MinIO is down, leaves no issuance recorded, and recovers', async () => {
    const issuances = async () => (await server.db.query<{ n: number }>('SELECT count(*)::int AS n FROM credential_issuances WHERE user_id = $1', [ids.alice!])).rows[0]!.n;
    const before = await issuances();
    await minio.proxy.stop();
    try {
      const down = await exchange(tokens.alice!);
      expect(down.status).toBe(503);
      expect(down.body.error).toBe('sts_unavailable');
      // The row written while MinIO was asked is removed once it failed: nothing was minted.
      expect(await issuances()).toBe(before);
      expect((await fetch(`${server.issuer}/healthz`)).status).toBe(200);
    } finally {
      await minio.proxy.start();
    }
    expect((await exchange(tokens.alice!)).status).toBe(200);
  });

  it('lets only clients registered for the sts scope ask for it', async () => {
    const url = oidc.buildAuthorizationUrl(noStsConfig, {
      redirect_uri: 'http://localhost:8976/callback', scope: 'openid sts', state: 'x',
      code_challenge: await oidc.calculatePKCECodeChallenge(oidc.randomPKCECodeVerifier()), code_challenge_method: 'S256',
    });
    const response = await new UserAgent().request(url.toString());
    expect(new URL(response.location!).searchParams.get('error')).toBe('invalid_scope');
  });

  it('reports the object store refusing the broker as a 502, not a crash', async () => {
    const wrong = createMinioStsClient({ endpoint: minio.endpoint, region: 'us-east-1', accessKey: minio.stsAccessKey, secretKey: 'not-the-broker-secret' });
    await expect(wrong.assumeRole({ policy: JSON.stringify(FREE_POLICY).replaceAll('${sub}', ids.bob!), durationSeconds: 900, revokeType: 'u:test' }))
      .rejects.toMatchObject({ status: 502, code: 'sts_upstream_error', message: expect.stringMatching(/^the object store refused the request \(\w+\)$/) });
  });

  it('limits issuances per user per hour: 429 with Retry-After on /sts/credentials, HTTP 400 Throttling on /sts', async () => {
    const statuses: number[] = [];
    for (let i = 0; i < 40; i += 1) statuses.push((await exchange(tokens.rosa!)).status);
    expect(statuses.every((s) => s === 200)).toBe(true);
    const limited = await fetch(`${server.issuer}/sts/credentials`, { method: 'POST', headers: { authorization: `Bearer ${tokens.rosa!}` } });
    expect(limited.status).toBe(429);
    expect(Number(limited.headers.get('retry-after'))).toBeGreaterThan(3000);
    expect(await limited.json()).toMatchObject({ error: 'too_many_requests' });
    // AWS sends throttling as HTTP 400 with code Throttling; SDKs back off on that code.
    const aws = await fetch(`${server.issuer}/sts`, {
      method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ Action: 'AssumeRoleWithWebIdentity', Version: '2011-06-15', RoleArn: 'arn:aws:iam::1:role/free-viewer', RoleSessionName: 'rosa', WebIdentityToken: tokens.rosa! }).toString(),
    });
    expect(aws.status).toBe(400);
    expect(await aws.text()).toMatch(/<Type>Sender<\/Type><Code>Throttling<\/Code>/);
    const sts = new STSClient({ endpoint: `${server.issuer}/sts`, region: 'us-east-1', maxAttempts: 1 });
    await expect(sts.send(new AssumeRoleWithWebIdentityCommand({ RoleArn: 'arn:aws:iam::1:role/free-viewer', RoleSessionName: 'rosa', WebIdentityToken: tokens.rosa! })))
      .rejects.toMatchObject({ name: 'Throttling' });
  }, 60_000);

  it('revokes credentials and tokens when a user is signed out everywhere', async () => {
    const token = await accessToken(config, 'sid', 'openid email sts');
    const { body } = await exchange(token);
    const s3 = s3For(body);
    expect(await read(s3, 'free/trailer.txt')).toBe('ok');
    await server.latchkey.services.users.signOutEverywhere('sid');
    expect(await read(s3, 'free/trailer.txt')).toBe('InvalidAccessKeyId');
    const again = await exchange(token);
    expect({ status: again.status, error: again.body.error }).toEqual({ status: 401, error: 'invalid_token' });
  });

  it('revokes a user\'s credentials at RP-initiated logout', async () => {
    const agent = new UserAgent();
    const { page, verifier } = await openLoginPage(agent, config, { scope: 'openid email sts' });
    const signedIn = await oidc.authorizationCodeGrant(config, new URL(await signInToCallback(agent, page, 'dave', PASSWORD)), { pkceCodeVerifier: verifier });
    const { body } = await exchange(signedIn.access_token);
    const s3 = s3For(body);
    expect(await read(s3, 'free/trailer.txt')).toBe('ok');
    const confirm = await agent.navigate(oidc.buildEndSessionUrl(config, { id_token_hint: signedIn.id_token! }).toString());
    await agent.submit(confirm, 'form[id="op.logoutForm"]', { logout: 'yes' });
    // Revocation at logout runs after the response; MinIO answers InvalidAccessKeyId once it is done.
    const deadline = Date.now() + 5000;
    let outcome = await read(s3, 'free/trailer.txt');
    while (outcome !== 'InvalidAccessKeyId' && Date.now() < deadline) {
      await new Promise((r) => setTimeout(r, 100));
      outcome = await read(s3, 'free/trailer.txt');
    }
    expect(outcome).toBe('InvalidAccessKeyId');
    // Through the durable path: a recorded job, carried out at once. MinIO refuses the credentials as soon as
    // it revoked them; the job is marked done just after, so wait for that too.
    const jobsOfDave = () => server.db.query<{ done: boolean }>('SELECT reason, attempts, last_error, done_at IS NOT NULL AS done FROM revocation_jobs WHERE user_id = $1', [ids.dave]);
    let jobs = await jobsOfDave();
    while (!jobs.rows.every((job) => job.done) && Date.now() < deadline + 5000) {
      await new Promise((r) => setTimeout(r, 50));
      jobs = await jobsOfDave();
    }
    expect(jobs.rows).toEqual([{ reason: 'logout', attempts: 1, last_error: null, done: true }]);
  });

  it('revokes a user\'s outstanding credentials when the user is disabled', async () => {
    const { body } = await exchange(tokens.bob!);
    const s3 = s3For(body);
    expect(await read(s3, 'free/trailer.txt')).toBe('ok');
    await server.latchkey.services.users.setEnabled('bob', false);
    try {
      expect(await read(s3, 'free/trailer.txt')).toBe('InvalidAccessKeyId');
      expect((await exchange(tokens.bob!)).status).toBe(401);
      // Alice's credentials are untouched.
      const alice = await exchange(tokens.alice!);
      expect(await read(s3For(alice.body), 'free/trailer.txt')).toBe('ok');
    } finally {
      await server.latchkey.services.users.setEnabled('bob', true);
    }
  });
});
