import { GetObjectCommand, PutObjectCommand } from '@aws-sdk/client-s3';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as oidc from 'openid-client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createMigratedTestDatabase, currentBackend, type TestDatabase } from '../support/backend.js';
import { PASSWORD, REDIRECT_URI } from '../support/fixtures.js';
import { openLoginPage, signInToCallback } from '../support/flows.js';
import { discover } from '../support/harness.js';
import { startMinio, type MinioHarness } from '../support/minio.js';
import { runCli } from '../support/processes.js';
import { startTestServer, TEST_SECRET, type TestServer } from '../support/test-server.js';
import { UserAgent } from '../support/user-agent.js';

const policy = (variable: string) => JSON.stringify({
  Version: '2012-10-17',
  Statement: [
    { Effect: 'Allow', Action: ['s3:GetObject', 's3:PutObject'], Resource: [`arn:aws:s3:::home/\${${variable}}/*`] },
    { Effect: 'Allow', Action: ['s3:ListBucket'], Resource: ['arn:aws:s3:::home'], Condition: { StringLike: { 's3:prefix': [`\${${variable}}/*`] } } },
  ],
});

/**
 * Regression: a username shaped like another user's `sub` must not open that user's folder. Roles keyed by
 * `${username}` and by `${sub}` share the `home` bucket; the attacker's username (legacy data, written with
 * SQL since the directory now refuses it) equals the victim's `sub`.
 */
describe(`identity-pool policy variables cannot collide (${currentBackend()})`, () => {
  let database: TestDatabase;
  let minio: MinioHarness;
  let server: TestServer;
  let config: oidc.Configuration;
  let victim: { id: string };
  let attacker: { id: string };
  let cliEnv: Record<string, string>;

  beforeAll(async () => {
    database = await createMigratedTestDatabase();
    minio = await startMinio();
    server = await startTestServer({
      env: database.env,
      extraEnv: minio.latchkeyEnv,
    });
    cliEnv = { ...database.env, LATCHKEY_SECRET: TEST_SECRET, LOG_LEVEL: 'warn' };
    const { services } = server.latchkey;
    await services.roles.createRole({ name: 'home-by-username', policy: policy('username') });
    await services.roles.createRole({ name: 'home-by-sub', policy: policy('sub') });
    await services.groups.create({ name: 'by-username', precedence: 10, role: 'home-by-username' });
    await services.groups.create({ name: 'by-sub', precedence: 20, role: 'home-by-sub' });
    victim = await services.users.create({ username: 'victor', email: 'victor@example.com', password: PASSWORD, emailVerified: true, groups: ['by-sub'] });
    attacker = await services.users.create({ username: 'mallory', email: 'mallory@example.com', password: PASSWORD, emailVerified: true, groups: ['by-username', 'by-sub'] });
    await services.users.create({ username: 'walt', email: 'walt@example.com', password: PASSWORD, emailVerified: true, groups: ['by-username'] });
    await server.db.query('UPDATE users SET username = $2, username_normalized = $2 WHERE id = $1', [attacker.id, victim.id]);
    const client = await services.clients.create({ name: 'Drive', redirectUris: [REDIRECT_URI], scope: 'openid email sts' });
    config = await discover(server, client);
    const root = minio.s3Client();
    await root.send(new PutObjectCommand({ Bucket: 'home', Key: `${victim.id}/diary.txt`, Body: 'dear diary' }));
  }, 180_000);
  afterAll(async () => {
    await server?.close();
    await minio?.stop();
    await database?.drop();
  });

  async function accessToken(login: string): Promise<string> {
    const agent = new UserAgent();
    const { page, verifier } = await openLoginPage(agent, config, { scope: 'openid email sts' });
    const callback = await signInToCallback(agent, page, login, PASSWORD);
    return (await oidc.authorizationCodeGrant(config, new URL(callback), { pkceCodeVerifier: verifier })).access_token;
  }

  async function exchange(token: string, body: Record<string, unknown> = {}) {
    const response = await fetch(`${server.issuer}/sts/credentials`, { method: 'POST', headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' }, body: JSON.stringify(body) });
    return { status: response.status, body: await response.json() as { AccessKeyId: string; SecretAccessKey: string; SessionToken: string; Role: string; error?: string; error_description?: string } };
  }

  async function read(c: { AccessKeyId: string; SecretAccessKey: string; SessionToken: string }, key: string): Promise<string> {
    const s3 = minio.s3Client({ accessKeyId: c.AccessKeyId, secretAccessKey: c.SecretAccessKey, sessionToken: c.SessionToken });
    try {
      return await (await s3.send(new GetObjectCommand({ Bucket: 'home', Key: key }))).Body!.transformToString();
    } catch (error) {
      return (error as { name: string }).name;
    }
  }

  it('reads the victim\'s folder with the victim\'s own credentials (control)', async () => {
    const own = await exchange(await accessToken('victor'));
    expect(own.status, JSON.stringify(own.body)).toBe(200);
    expect(await read(own.body, `${victim.id}/diary.txt`)).toBe('dear diary');
  });

  it('gives a user whose username equals another user\'s sub no credentials for the ${username} role (403 role_not_applicable)', async () => {
    const token = await accessToken('mallory@example.com');
    const refused = await exchange(token);
    expect({ status: refused.status, error: refused.body.error }).toEqual({ status: 403, error: 'role_not_applicable' });
    expect(refused.body.error_description).toContain('username is shaped like a user id');
    const requested = await exchange(token, { role: 'home-by-username' });
    expect({ status: requested.status, error: requested.body.error }).toEqual({ status: 403, error: 'role_not_applicable' });
    const aws = await fetch(`${server.issuer}/sts`, {
      method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ Action: 'AssumeRoleWithWebIdentity', Version: '2011-06-15', RoleArn: 'arn:aws:iam::1:role/home-by-username', RoleSessionName: 'mallory', WebIdentityToken: token }).toString(),
    });
    expect(aws.status).toBe(403);
    expect(await aws.text()).toContain('<Code>AccessDenied</Code>');
  });

  it('keeps the same user, under the ${sub} role, out of the victim\'s folder in MinIO', async () => {
    const own = await exchange(await accessToken('mallory@example.com'), { role: 'home-by-sub' });
    expect(own.status, JSON.stringify(own.body)).toBe(200);
    expect(await read(own.body, `${victim.id}/diary.txt`)).toBe('AccessDenied');
    expect(await read(own.body, `${attacker.id}/nothing-yet.txt`)).toBe('NoSuchKey');
  });

  it('keeps an ordinary ${username} user in their own folder only', async () => {
    const walt = await exchange(await accessToken('walt'));
    expect(walt.status, JSON.stringify(walt.body)).toBe(200);
    expect(walt.body.Role).toBe('home-by-username');
    expect(await read(walt.body, 'walt/nothing-yet.txt')).toBe('NoSuchKey');
    expect(await read(walt.body, `${victim.id}/diary.txt`)).toBe('AccessDenied');
  });

  it('refuses to create a user whose username is shaped like a user id (CLI)', async () => {
    const refused = await runCli(['--json', 'user', 'create', '--username', victim.id, '--password', '-'], cliEnv, `${PASSWORD}\n`);
    expect(refused.code, refused.stderr).toBe(1);
    expect(JSON.parse(refused.stdout)).toMatchObject({ error: 'invalid_request', details: [{ path: 'username' }] });
    const upper = await runCli(['user', 'create', '--username', victim.id.toUpperCase(), '--password', '-'], cliEnv, `${PASSWORD}\n`);
    expect(upper.code).toBe(1);
  });

  it('refuses to save a role whose variable does not fill a whole segment (CLI)', async () => {
    const file = join(mkdtempSync(join(tmpdir(), 'lk-policy-')), 'prefix.json');
    writeFileSync(file, JSON.stringify({ Version: '2012-10-17', Statement: [{ Effect: 'Allow', Action: 's3:GetObject', Resource: 'arn:aws:s3:::home/${username}*' }] }));
    const refused = await runCli(['role', 'create', 'prefix-homes', '--policy', file], cliEnv);
    expect(refused.code).toBe(1);
    expect(refused.stderr).toContain('Statement[0].Resource: ${username} must end a segment');
    expect((await server.db.query('SELECT 1 FROM roles WHERE name = $1', ['prefix-homes'])).rows).toEqual([]);
  });
});
