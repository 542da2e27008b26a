import * as oidc from 'openid-client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openDatabase } from '../../src/db/open-database.js';
import { createMigratedTestDatabase, currentBackend, type TestDatabase } from '../support/backend.js';
import { countingDatabase, requestTrips, type CountingDatabase } from '../support/counting-database.js';
import { PASSWORD, REDIRECT_URI } from '../support/fixtures.js';
import { discover } from '../support/harness.js';
import { startMinio, type MinioHarness } from '../support/minio.js';
import { exchangeToken, signInForToken } from '../support/storage.js';
import { startTestServer, type TestServer } from '../support/test-server.js';

const POLICY = JSON.stringify({ Version: '2012-10-17', Statement: [{ Effect: 'Allow', Action: 's3:GetObject', Resource: 'arn:aws:s3:::home/${sub}/*' }] });
const CORP_POLICY = JSON.stringify({ Version: '2012-10-17', Statement: [{ Effect: 'Allow', Action: 's3:GetObject', Resource: 'arn:aws:s3:::premium/*' }] });

describe(`identity pool hot path (${currentBackend()})`, () => {
  let database: TestDatabase;
  let minio: MinioHarness;
  let db: CountingDatabase;
  let server: TestServer;
  let config: oidc.Configuration;
  let userId: string;

  beforeAll(async () => {
    database = await createMigratedTestDatabase();
    minio = await startMinio();
    db = countingDatabase(await openDatabase({ databaseUrl: database.env.DATABASE_URL ?? null, dataDir: database.env.LATCHKEY_DATA_DIR ?? '', role: 'server' }));
    server = await startTestServer({ env: database.env, db, extraEnv: minio.latchkeyEnv });
    const { services } = server.latchkey;
    await services.roles.createRole({ name: 'reader', policy: POLICY });
    await services.roles.createRole({ name: 'corp', policy: CORP_POLICY });
    await services.roles.setDefaultRole('reader');
    await services.roles.addRule({ claim: 'email', match: 'contains', value: '@corp.example', role: 'corp' });
    await services.groups.create({ name: 'staff', precedence: 5 });
    userId = (await services.users.create({ username: 'tess', email: 'tess@corp.example', password: PASSWORD, emailVerified: true, groups: ['staff'] })).id;
    config = await discover(server, await services.clients.create({ name: 'App', redirectUris: [REDIRECT_URI], scope: 'openid email sts' }));
  }, 180_000);
  afterAll(async () => {
    await server?.close();
    await db?.close();
    await minio?.stop();
    await database?.drop();
  });

  it('issues credentials in 3 database round trips, one while MinIO mints: the context with the hourly count; the durable pending issuance; its completion with the audit event, committed without waiting for the disk', async () => {
    const token = await signInForToken(config, 'tess');
    expect((await exchangeToken(server.issuer, token)).status).toBe(200);
    db.log.length = 0;
    const { status, body } = await exchangeToken(server.issuer, token);
    expect(status, JSON.stringify(body)).toBe(200);
    const trips = requestTrips(db);
    expect(trips, trips.join('\n')).toHaveLength(3);
    expect(trips[0]).toMatch(/model = 'Grant'.*model = 'RevokedAccessToken'.*FROM clients.*INSERT INTO rate_limits.*FROM users u WHERE u\.id = \$1.*FROM group_members.*FROM pool_settings/);
    expect(trips[1]).toMatch(/^INSERT INTO credential_issuances/);
    expect(trips[1]).not.toMatch(/synchronous_commit/);
    expect(trips[2]).toMatch(/UPDATE credential_issuances SET access_key_id.*synchronous_commit.*INSERT INTO audit_events/);
    const { rows } = await server.db.query<{ access_key_id: string | null; seconds_left: number }>(
      'SELECT access_key_id, extract(epoch FROM expires_at - now())::int AS seconds_left FROM credential_issuances WHERE user_id = $1 ORDER BY id DESC LIMIT 1', [userId]);
    // Completed: the access key MinIO minted, and its exact expiry (the pending row's bound is 5 minutes later).
    expect(rows[0]!.access_key_id).toBe(body.AccessKeyId);
    expect(rows[0]!.seconds_left).toBeLessThanOrEqual(3600);
    expect(rows[0]!.seconds_left).toBeGreaterThan(3500);
  });

  it('counts an issuance once, gives the hit back when a local check refuses it, and counts nothing for a revoked token', async () => {
    const token = await signInForToken(config, 'tess');
    const count = async () => (await server.db.query<{ count: number }>('SELECT count FROM rate_limits WHERE key = $1', [`sts:user:${userId}`])).rows[0]?.count ?? 0;
    const before = await count();
    expect((await exchangeToken(server.issuer, token)).status).toBe(200);
    expect(await count()).toBe(before + 1);
    const refused = await exchangeToken(server.issuer, token, { role: 'no-such-role' });
    expect(refused.status).toBe(403);
    expect(await count()).toBe(before + 1);
    // A revoked token must not spend its user's quota: the count's condition is the token's liveness.
    await oidc.tokenRevocation(config, token);
    db.log.length = 0;
    const revoked = await exchangeToken(server.issuer, token);
    expect({ status: revoked.status, error: revoked.body.error }).toEqual({ status: 401, error: 'invalid_token' });
    expect(await count()).toBe(before + 1);
    expect(db.log.filter((text) => /UPDATE rate_limits SET count = count - 1/.test(text))).toEqual([]);
  });

  it('matches rules on the e-mail address only once it is verified', async () => {
    const token = await signInForToken(config, 'tess');
    expect((await exchangeToken(server.issuer, token)).body.Role).toBe('corp');
    await server.db.query('UPDATE users SET email_verified = false WHERE id = $1', [userId]);
    try {
      expect((await exchangeToken(server.issuer, token)).body.Role).toBe('reader');
    } finally {
      await server.db.query('UPDATE users SET email_verified = true WHERE id = $1', [userId]);
    }
  });

  it('refuses credentials to a user who may no longer act (unconfirmed, disabled)', async () => {
    const token = await signInForToken(config, 'tess');
    for (const change of ["status = 'unconfirmed'", 'enabled = false']) {
      await server.db.query(`UPDATE users SET ${change} WHERE id = $1`, [userId]);
      try {
        const refused = await exchangeToken(server.issuer, token);
        expect({ change, status: refused.status, error: refused.body.error }).toEqual({ change, status: 401, error: 'invalid_token' });
      } finally {
        await server.db.query("UPDATE users SET status = 'confirmed', enabled = true WHERE id = $1", [userId]);
      }
    }
  });
});
