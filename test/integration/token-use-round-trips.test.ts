import { decodeJwt } from 'jose';
import * as oidc from 'openid-client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openDatabase } from '../../src/db/open-database.js';
import type { CreatedClient } from '../../src/oidc/client-service.js';
import { createMigratedTestDatabase, currentBackend, type TestDatabase } from '../support/backend.js';
import { countingDatabase, requestTrips, type CountingDatabase } from '../support/counting-database.js';
import { PASSWORD, REDIRECT_URI } from '../support/fixtures.js';
import { discover } from '../support/harness.js';
import { signInForToken } from '../support/storage.js';
import { startTestServer, type TestServer } from '../support/test-server.js';
import { findAccessTokenLiveness } from '../../src/oidc/repositories/access-token-liveness.repository.js';
import { findUserinfoRows, type UserinfoToken } from '../../src/oidc/repositories/userinfo.repository.js';

const backend = currentBackend();

/** Polls until the server keeps clients in memory (it listens for their changes a moment after start). */
async function untilClientsKept(server: TestServer): Promise<void> {
  for (let i = 0; i < 200 && !server.latchkey.services.clientLookup.active; i += 1) await new Promise((resolve) => setTimeout(resolve, 25));
  expect(server.latchkey.services.clientLookup.active).toBe(true);
}

describe(`token use hot paths (${backend})`, () => {
  let database: TestDatabase;
  let db: CountingDatabase;
  let server: TestServer;
  let app: CreatedClient;
  let accessToken: string;

  beforeAll(async () => {
    database = await createMigratedTestDatabase();
    db = countingDatabase(await openDatabase({ databaseUrl: database.env.DATABASE_URL ?? null, dataDir: database.env.LATCHKEY_DATA_DIR ?? '', role: 'server' }));
    server = await startTestServer({ env: database.env, db });
    const { services } = server.latchkey;
    await services.groups.create({ name: 'staff', precedence: 5 });
    await services.users.create({ username: 'tess', email: 'tess@example.com', password: PASSWORD, emailVerified: true, groups: ['staff'] });
    app = await services.clients.create({ name: 'App', redirectUris: [REDIRECT_URI], scope: 'openid email profile', firstParty: true });
    accessToken = await signInForToken(await discover(server, app), 'tess', 'openid email profile');
  }, 180_000);
  afterAll(async () => {
    await server?.close();
    await db?.close();
    await database?.drop();
  });

  async function tripsOf(request: () => Promise<Response>): Promise<{ status: number; trips: string[] }> {
    await request(); // warm: the client read once, the provider's instance built
    const from = db.log.length;
    const { status } = await request();
    return { status, trips: requestTrips(db, from) };
  }

  it('userinfo with a JWT access token makes one round trip: the token\'s liveness and the user with groups and linked providers', async () => {
    const { status, trips } = await tripsOf(() => fetch(`${server.issuer}/me`, { headers: { authorization: `Bearer ${accessToken}` } }));
    expect(status).toBe(200);
    expect(trips, trips.join('\n')).toHaveLength(1);
    expect(trips[0]).toMatch(/AS grant_live.*FROM group_members.*FROM federated_identities.*LEFT JOIN users u/);
  });

  it('introspection of a JWT access token makes one round trip (liveness): the calling client is kept in memory', async () => {
    await untilClientsKept(server);
    const { status, trips } = await tripsOf(() => fetch(`${server.issuer}/token/introspection`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded', authorization: `Basic ${Buffer.from(`${app.client_id}:${app.client_secret!}`).toString('base64')}` },
      body: new URLSearchParams({ token: accessToken }),
    }));
    expect(status).toBe(200);
    expect(trips, trips.join('\n')).toHaveLength(1);
    expect(trips[0]).toMatch(/AS grant_live/);
  });

  it('a client-credentials grant makes no round trip once its client is kept in memory', async () => {
    const { services } = server.latchkey;
    const worker = await services.clients.create({ name: 'Worker', grantTypes: ['client_credentials'], scope: 'reports:read' });
    await untilClientsKept(server);
    const config = await discover(server, worker);
    const { status, trips } = await tripsOf(async () => {
      await oidc.clientCredentialsGrant(config, { scope: 'reports:read' });
      return new Response(null, { status: 200 });
    });
    expect(status).toBe(200);
    expect(trips, trips.join('\n')).toHaveLength(0);
  });

  /** The parts of a token its liveness is read by, from its claims (the verifier's reading of them). */
  function livenessToken(token: string): UserinfoToken {
    const claims = decodeJwt(token);
    return { grantId: String(claims.grant_id), jti: String(claims.jti), accountId: String(claims.sub), clientId: String(claims.client_id) };
  }

  async function revoke(token: string): Promise<void> {
    const response = await fetch(`${server.issuer}/token/revocation`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded', authorization: `Basic ${Buffer.from(`${app.client_id}:${app.client_secret!}`).toString('base64')}` },
      body: new URLSearchParams({ token }),
    });
    expect(response.status).toBe(200);
  }

  it('one batched statement answers each token for itself, in the order asked: live, revoked, a disabled user\'s, an unknown grant', async () => {
    const { services } = server.latchkey;
    await services.users.create({ username: 'dora', email: 'dora@example.com', password: PASSWORD, emailVerified: true });
    const config = await discover(server, app);
    const revoked = await signInForToken(config, 'tess', 'openid email profile');
    const disabled = await signInForToken(config, 'dora', 'openid email profile');
    await revoke(revoked);
    await services.users.setEnabled('dora', false);
    const tokens = [livenessToken(accessToken), livenessToken(revoked), livenessToken(disabled), { ...livenessToken(accessToken), grantId: 'no-such-grant' }, livenessToken(accessToken)];

    // A client-credentials token has no grant and no user: those columns come back empty, the rest still apply.
    const machine = { grantId: null, jti: 'a-client-credentials-jti', accountId: null, clientId: app.client_id };
    const liveness = await findAccessTokenLiveness(db, [...tokens, machine]);
    expect(liveness.map((l) => [l.grant_live, l.revoked, l.user_enabled, l.user_status, l.client_exists])).toEqual([
      [true, false, true, 'confirmed', true],
      [true, true, true, 'confirmed', true],
      // Disabling ends the user's grants in the same transaction.
      [false, false, false, 'confirmed', true],
      [false, false, true, 'confirmed', true],
      [true, false, true, 'confirmed', true],
      [false, false, null, null, true],
    ]);
    const rows = await findUserinfoRows(db, tokens);
    expect(rows.map((r) => r.user?.username)).toEqual(['tess', 'tess', 'dora', 'tess', 'tess']);
    expect(rows.map((r) => r.liveness)).toEqual(liveness.slice(0, tokens.length));
    expect(rows[0]!.user!.groups).toEqual(['staff']);
  });

  it('userinfo requests sent together are each answered for their own token, from no more statements than requests', async () => {
    const revoked = await signInForToken(await discover(server, app), 'tess', 'openid email profile');
    await revoke(revoked);
    const tokens = Array.from({ length: 8 }, (_, i) => (i % 2 === 0 ? accessToken : revoked));
    const from = db.log.length;
    const statuses = await Promise.all(tokens.map(async (token) => (await fetch(`${server.issuer}/me`, { headers: { authorization: `Bearer ${token}` } })).status));
    expect(statuses).toEqual([200, 401, 200, 401, 200, 401, 200, 401]);
    const trips = requestTrips(db, from);
    expect(trips.length).toBeGreaterThanOrEqual(1);
    expect(trips.length).toBeLessThanOrEqual(tokens.length);
    for (const trip of trips) expect(trip).toMatch(/unnest\(.*LEFT JOIN users u/);
  });
});
