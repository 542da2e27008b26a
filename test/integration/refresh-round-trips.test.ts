import * as oidc from 'openid-client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openDatabase } from '../../src/db/open-database.js';
import { createMigratedTestDatabase, currentBackend, type TestDatabase } from '../support/backend.js';
import { countingDatabase, requestTrips, type CountingDatabase } from '../support/counting-database.js';
import { PASSWORD, seedDirectory } from '../support/fixtures.js';
import { openLoginPage, signInToCallback } from '../support/flows.js';
import { discover } from '../support/harness.js';
import { startTestServer, type TestServer } from '../support/test-server.js';
import { UserAgent } from '../support/user-agent.js';

const CLIENT_LOOKUP = /FROM clients WHERE client_id = \$1/;

/** The claims of a JWT (the access token), unverified: the server that signed it is the one under test. */
function jwtClaims(token: string): Record<string, unknown> {
  return JSON.parse(Buffer.from(token.split('.')[1]!, 'base64url').toString('utf8')) as Record<string, unknown>;
}

/**
 * A rotating refresh (`POST /token`, grant_type=refresh_token) in round trips to the database. oidc-provider
 * asks for the token, the session it is bound to, the grant and the account, then consumes the token and
 * saves its successor, one round trip each (seven while the account's linked providers took a query of
 * their own). Latchkey reads the session, the grant and the account with the token and consumes the token in the
 * statement that inserts its successor (postgres-adapter.ts), keeping rotation, replay detection, the
 * grant's and the token's expiry and the "may act" rule, which the tests after the counts pin.
 */
describe(`refresh token grant round trips (${currentBackend()})`, () => {
  let database: TestDatabase;
  let db: CountingDatabase;
  let server: TestServer;
  let config: oidc.Configuration;
  let userId: string;

  beforeAll(async () => {
    database = await createMigratedTestDatabase();
    db = countingDatabase(await openDatabase({ databaseUrl: database.env.DATABASE_URL ?? null, dataDir: database.env.LATCHKEY_DATA_DIR ?? '', role: 'server' }));
    server = await startTestServer({ env: database.env, db });
    const { client, user } = await seedDirectory(server.latchkey.services);
    userId = user.id;
    config = await discover(server, client);
  }, 180_000);
  afterAll(async () => {
    await server?.close();
    await db?.close();
    await database?.drop();
  });

  async function signIn(extra: Record<string, string> = {}): Promise<oidc.TokenEndpointResponse> {
    const agent = new UserAgent();
    const { page, verifier } = await openLoginPage(agent, config, extra);
    return oidc.authorizationCodeGrant(config, new URL(await signInToCallback(agent, page, 'alice', PASSWORD)), { pkceCodeVerifier: verifier });
  }

  /**
   * The round trips of one refresh. The client's lookup is left out: it belongs to the client cache
   * (client-lookup.ts), which keeps clients in process once it listens for their changes.
   */
  async function refreshTrips(refreshToken: string): Promise<{ trips: string[]; refreshed: Awaited<ReturnType<typeof oidc.refreshTokenGrant>> }> {
    const from = db.log.length;
    const refreshed = await oidc.refreshTokenGrant(config, refreshToken);
    return { trips: requestTrips(db, from).filter((text) => !CLIENT_LOOKUP.test(text)), refreshed };
  }

  async function refused(refreshToken: string): Promise<unknown> {
    return oidc.refreshTokenGrant(config, refreshToken).then(() => 'granted', (error: { error?: unknown }) => error.error);
  }

  it('takes 2 round trips for a token bound to its session: the token with its grant, session and account; the rotation', async () => {
    const tokens = await signIn();
    const { trips, refreshed } = await refreshTrips(tokens.refresh_token!);
    expect(trips, trips.join('\n')).toHaveLength(2);
    expect(trips[0]).toMatch(/FROM oidc_model t LEFT JOIN LATERAL .*model = 'Grant'.*model = 'Session'.*LEFT JOIN users u/);
    expect(trips[1]).toMatch(/UPDATE oidc_model SET consumed_at = now\(\).*INSERT INTO oidc_model/);
    // What the grant and the account loaded that way still reach the tokens.
    expect(refreshed.refresh_token).not.toBe(tokens.refresh_token);
    expect(jwtClaims(refreshed.access_token)).toMatchObject({ sub: userId, groups: ['admins', 'staff'], grant_id: expect.any(String) });
    expect(refreshed.claims()).toMatchObject({ sub: userId, email: 'alice@example.com' });
    expect(await refused(refreshed.refresh_token!)).toBe('granted');
  });

  it('takes 2 round trips for an offline_access token (no session to check)', async () => {
    const tokens = await signIn({ prompt: 'consent' });
    expect(tokens.scope).toContain('offline_access');
    const { trips } = await refreshTrips(tokens.refresh_token!);
    expect(trips, trips.join('\n')).toHaveLength(2);
  });

  it('never reads a password hash on the token hot path: not for a refresh, nor for userinfo', async () => {
    const tokens = await signIn();
    const from = db.log.length;
    const refreshed = await oidc.refreshTokenGrant(config, tokens.refresh_token!);
    const info = await oidc.fetchUserInfo(config, refreshed.access_token, userId);
    expect(info).toMatchObject({ sub: userId, email: 'alice@example.com' });
    const userReads = requestTrips(db, from).filter((text) => /FROM users|JOIN users/.test(text));
    // The refresh's token-with-account query and userinfo's liveness-with-user query.
    expect(userReads, userReads.join('\n')).toHaveLength(2);
    for (const text of userReads) expect(text).not.toMatch(/password_hash(?! IS NOT NULL)/);
  });

  it('still treats a spent refresh token as a replay: the grant is revoked, so its successor stops working', async () => {
    const tokens = await signIn();
    const refreshed = await oidc.refreshTokenGrant(config, tokens.refresh_token!);
    expect(await refused(tokens.refresh_token!)).toBe('invalid_grant');
    expect(await refused(refreshed.refresh_token!)).toBe('invalid_grant');
    expect(await oidc.tokenIntrospection(config, refreshed.access_token)).toEqual({ active: false });
  });

  it('refuses the refresh of a user who may no longer act (unconfirmed, reset required, disabled)', async () => {
    for (const change of ["status = 'unconfirmed'", "status = 'reset_required'", 'enabled = false']) {
      const tokens = await signIn();
      await server.db.query(`UPDATE users SET ${change} WHERE id = $1`, [userId]);
      try {
        expect({ change, refused: await refused(tokens.refresh_token!) }).toEqual({ change, refused: 'invalid_grant' });
      } finally {
        await server.db.query("UPDATE users SET status = 'confirmed', enabled = true WHERE id = $1", [userId]);
      }
    }
  });

  it('refuses a session-bound refresh once its session has ended', async () => {
    const tokens = await signIn();
    await server.db.query(`DELETE FROM oidc_model WHERE model = 'Session' AND payload->>'accountId' = $1`, [userId]);
    expect(await refused(tokens.refresh_token!)).toBe('invalid_grant');
  });

  it('refuses the refresh when the grant is gone or expired', async () => {
    const gone = await signIn();
    const expired = await signIn();
    const grantOf = (token: string) => jwtClaims(token).grant_id as string;
    await server.db.query(`DELETE FROM oidc_model WHERE model = 'Grant' AND grant_id = $1`, [grantOf(gone.access_token)]);
    await server.db.query(`UPDATE oidc_model SET expires_at = now() - interval '1 second' WHERE model = 'Grant' AND grant_id = $1`, [grantOf(expired.access_token)]);
    expect(await refused(gone.refresh_token!)).toBe('invalid_grant');
    expect(await refused(expired.refresh_token!)).toBe('invalid_grant');
  });
});
