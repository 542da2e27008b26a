import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ConfigFileError } from '../../src/declarative/config-file-error.js';
import { createTestDatabase, currentBackend, type TestDatabase } from '../support/backend.js';
import { ROOT } from '../support/processes.js';
import { startTestServer, type TestServer } from '../support/test-server.js';

const DEMO = join(ROOT, 'deploy/demo/latchkey.yaml');
const PASSWORDS = { LATCHKEY_DEMO_FREE_PASSWORD: 'correct horse battery staple', LATCHKEY_DEMO_PREMIUM_PASSWORD: 'tangerine kettle orbit willow' };

/** LATCHKEY_CONFIG: the file is applied at every start, after migrations, once however many replicas start together. */
describe(`declarative configuration at start-up (${currentBackend()})`, () => {
  let database: TestDatabase;
  let server: TestServer;
  const dir = mkdtempSync(join(tmpdir(), 'lk-config-start-'));

  beforeAll(async () => {
    // Secret references are read from the server's environment (this test file's process).
    Object.assign(process.env, PASSWORDS);
    database = await createTestDatabase();
    server = await startTestServer({ env: database.env, extraEnv: { LATCHKEY_CONFIG: DEMO } });
  });
  afterAll(async () => {
    await server?.close();
    await database?.drop();
    rmSync(dir, { recursive: true, force: true });
  });

  it('starts with the demo stack\'s file applied: its client, groups, roles and seed users, and logs the plan\'s counts', async () => {
    const s = server.latchkey.services;
    expect(await s.clients.find('demo')).toMatchObject({
      token_endpoint_auth_method: 'none', grant_types: ['authorization_code', 'refresh_token'], redirect_uris: ['http://localhost:8080/callback'],
      post_logout_redirect_uris: ['http://localhost:8080/'], scope: 'openid email profile offline_access sts',
    });
    expect((await s.groups.list()).map((g) => [g.name, g.precedence, g.role_name])).toEqual([['premium', 10, 'media-premium'], ['free', 20, 'media-free']]);
    expect((await s.roles.getRole('media-free')).policy).toMatchObject({
      Statement: [{ Action: ['s3:ListBucket'], Resource: ['arn:aws:s3:::media'], Condition: { StringLike: { 's3:prefix': ['free/*'] } } }, { Action: ['s3:GetObject'], Resource: ['arn:aws:s3:::media/free/*'] }],
    });
    const premium = await s.users.resolve('premium@example.com');
    expect(premium).toMatchObject({ email_verified: true, status: 'confirmed' });
    expect(await s.groups.namesOf(premium.id)).toEqual(['premium', 'free']);
    expect(await s.groups.namesOf((await s.users.resolve('free@example.com')).id)).toEqual(['free']);
    expect(await s.users.verifyPassword(await s.users.findSignInAccount('premium@example.com'), PASSWORDS.LATCHKEY_DEMO_PREMIUM_PASSWORD)).toMatchObject({ ok: true });
    const line = server.logs.lines.map((l) => JSON.parse(l) as Record<string, unknown>).find((l) => l.event === 'config.applied');
    expect(line).toMatchObject({ level: 30, msg: 'configuration applied', add: 7, change: 0, unchanged: 0, remove: 0 });
    expect(server.logs.text).not.toContain(PASSWORDS.LATCHKEY_DEMO_PREMIUM_PASSWORD);
  });

  it('applies a file once when replicas start together: one writes, the others find it unchanged', async () => {
    const file = join(dir, 'more.yaml');
    writeFileSync(file, `${readFileSync(DEMO, 'utf8')}\n# one more group than the demo declares\n`.replace('groups:\n', 'groups:\n  vip:\n    precedence: 1\n    role: media-premium\n'));
    const before = await server.latchkey.services.audit.latestId();
    const replicas = await Promise.all([1, 2, 3].map(() => startTestServer({ env: database.env, issuer: server.issuer, db: server.db, extraEnv: { LATCHKEY_CONFIG: file } })));
    try {
      const logged = replicas.map((replica) => replica.logs.lines.map((l) => JSON.parse(l) as Record<string, unknown>).find((l) => l.event === 'config.applied'));
      expect(logged.map((l) => l?.add).sort()).toEqual([0, 0, 1]);
      const events = (await server.latchkey.services.audit.query({ limit: 50 })).events.filter((e) => e.id > before).map((e) => e.type);
      expect(events.sort()).toEqual(['config.applied', 'group.created']);
    } finally {
      await Promise.all(replicas.map((replica) => replica.close()));
    }
  });

  it('a file that cannot be applied stops start-up with every problem named by its place, and nothing is written', async () => {
    const file = join(dir, 'bad.yaml');
    writeFileSync(file, 'groups:\n  extra: { role: nobody }\nusers:\n  - email: new@example.com\n    password: { env: LATCHKEY_TEST_UNSET_PASSWORD }\n');
    const before = await server.latchkey.services.audit.latestId();
    const failed = await startTestServer({ env: database.env, issuer: server.issuer, db: server.db, extraEnv: { LATCHKEY_CONFIG: file } }).catch((error: unknown) => error);
    expect(failed).toBeInstanceOf(ConfigFileError);
    expect((failed as ConfigFileError).message).toContain('users[0].password: the environment variable LATCHKEY_TEST_UNSET_PASSWORD is not set');
    writeFileSync(file, 'groups:\n  extra: { role: nobody }\n');
    const dangling = await startTestServer({ env: database.env, issuer: server.issuer, db: server.db, extraEnv: { LATCHKEY_CONFIG: file } }).catch((error: unknown) => error);
    expect((dangling as ConfigFileError).problems).toEqual([{ path: 'groups.extra.role', message: 'no role "nobody" in the file or in Latchkey' }]);
    expect(await server.latchkey.services.audit.latestId()).toBe(before);
  });
});
