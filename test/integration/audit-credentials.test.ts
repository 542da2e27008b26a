import type * as oidc from 'openid-client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { AuditEvent } from '../../src/audit/audit-event.js';
import type { Services } from '../../src/services.js';
import { createMigratedTestDatabase, currentBackend, type TestDatabase } from '../support/backend.js';
import { PASSWORD, REDIRECT_URI } from '../support/fixtures.js';
import { discover } from '../support/harness.js';
import { startMinio, type MinioHarness } from '../support/minio.js';
import { exchangeToken, signInForToken } from '../support/storage.js';
import { startTestServer, type TestServer } from '../support/test-server.js';

const READER = JSON.stringify({ Version: '2012-10-17', Statement: [{ Effect: 'Allow', Action: 's3:GetObject', Resource: 'arn:aws:s3:::free/*' }] });

/** Storage credentials on real MinIO: each issuance and revocation leaves its audit event, with its change. */
describe(`audit events of storage credentials (${currentBackend()})`, () => {
  let database: TestDatabase;
  let minio: MinioHarness;
  let server: TestServer;
  let services: Services;
  let app: oidc.Configuration;
  let appId: string;
  let maya: { id: string };

  /** The events committed after event `after`, oldest first. */
  async function eventsAfter(after: number): Promise<AuditEvent[]> {
    const { events } = await services.audit.query({ limit: 1000 });
    return events.filter((event) => event.id > after).reverse();
  }

  beforeAll(async () => {
    database = await createMigratedTestDatabase();
    minio = await startMinio();
    server = await startTestServer({ env: database.env, extraEnv: minio.latchkeyEnv });
    services = server.latchkey.services;
    await services.roles.createRole({ name: 'reader', policy: READER });
    await services.roles.setDefaultRole('reader');
    maya = await services.users.create({ username: 'maya', email: 'maya@example.com', password: PASSWORD, emailVerified: true });
    const client = await services.clients.create({ name: 'Storage App', redirectUris: [REDIRECT_URI], scope: 'openid email sts' });
    appId = client.client_id;
    app = await discover(server, client);
  }, 180_000);
  afterAll(async () => {
    await server?.close();
    await minio?.stop();
    await database?.drop();
  });

  it('an issuance records one credentials.issued in the transaction of its issuance row: the user as actor and subject, the token\'s app, the address, role and access key id', async () => {
    const token = await signInForToken(app, 'maya');
    const before = await services.audit.latestId();
    const { status, body } = await exchangeToken(server.issuer, token);
    expect(status, JSON.stringify(body)).toBe(200);
    expect(await eventsAfter(before)).toEqual([expect.objectContaining({
      type: 'credentials.issued', outcome: 'success', actor: { kind: 'user', id: maya.id }, subjectId: maya.id, clientId: appId, address: '127.0.0.1',
      details: { role: 'reader', channel: 'credentials', duration_seconds: 3600, access_key_id: body.AccessKeyId, resolved_by: 'default' },
    })]);
    // The issuance row and the event name the same credentials.
    expect(await services.credentials.findIssuance(body.AccessKeyId)).toMatchObject({ user_id: maya.id, client_id: appId, role_name: 'reader' });

    // A refused request (a role the user is not entitled to) issues nothing and records no issuance.
    const refusedFrom = await services.audit.latestId();
    expect((await exchangeToken(server.issuer, token, { role: 'admin' })).status).toBe(403);
    expect(await eventsAfter(refusedFrom)).toEqual([]);
  });

  it('signing the user out everywhere records the revocation with the sign-out, and again once MinIO carried it out', async () => {
    const token = await signInForToken(app, 'maya');
    expect((await exchangeToken(server.issuer, token)).status).toBe(200);
    const before = await services.audit.latestId();
    await services.users.signOutEverywhere('maya');
    const events = await eventsAfter(before);
    expect(events.map((e) => [e.type, e.subjectId, e.details.state ?? null])).toEqual([
      ['user.signed_out', maya.id, null],
      ['credentials.revoked', maya.id, 'requested'],
      ['credentials.revoked', maya.id, 'done'],
    ]);
    expect(events[1]!.details).toMatchObject({ scope: 'user', reason: 'signed_out' });
    // Both of her grants' credentials (this test's and the previous one's): one tag each.
    expect(events[2]!.details).toMatchObject({ job: events[1]!.details.job, scope: 'user', tags: 2 });
  });
});
