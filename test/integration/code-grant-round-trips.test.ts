import * as oidc from 'openid-client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openDatabase } from '../../src/db/open-database.js';
import { createMigratedTestDatabase, currentBackend, type TestDatabase } from '../support/backend.js';
import { countingDatabase, requestTrips, type CountingDatabase } from '../support/counting-database.js';
import { PASSWORD, REDIRECT_URI, seedDirectory } from '../support/fixtures.js';
import { openLoginPage, signInToCallback } from '../support/flows.js';
import { discover } from '../support/harness.js';
import { startTestServer, type TestServer } from '../support/test-server.js';
import { UserAgent } from '../support/user-agent.js';

const CLIENT_LOOKUP = /FROM clients WHERE client_id = \$1/;

/**
 * The authorization-code grant (`POST /token`, grant_type=authorization_code) in round trips to the database.
 * oidc-provider asks for the code, the session it is bound to, the grant, then consumes the code, reads the
 * account and saves the refresh token: six round trips. Latchkey reads the session, the grant and the account
 * with the code and consumes the code in the statement that inserts the refresh token (postgres-adapter.ts);
 * the tests after the count pin what that must keep: single use, replay revoking the grant, the session
 * binding, the "may act" rule, and clients that get no refresh token.
 */
describe(`authorization code grant round trips (${currentBackend()})`, () => {
  let database: TestDatabase;
  let db: CountingDatabase;
  let server: TestServer;
  let config: oidc.Configuration;
  let codeOnly: oidc.Configuration;
  let userId: string;

  beforeAll(async () => {
    database = await createMigratedTestDatabase();
    db = countingDatabase(await openDatabase({ databaseUrl: database.env.DATABASE_URL ?? null, dataDir: database.env.LATCHKEY_DATA_DIR ?? '', role: 'server' }));
    server = await startTestServer({ env: database.env, db });
    const { services } = server.latchkey;
    const { client, user } = await seedDirectory(services);
    userId = user.id;
    config = await discover(server, client);
    codeOnly = await discover(server, await services.clients.create({ name: 'No Refresh', redirectUris: [REDIRECT_URI], grantTypes: ['authorization_code'] }));
  }, 180_000);
  afterAll(async () => {
    await server?.close();
    await db?.close();
    await database?.drop();
  });

  async function codeFor(configuration: oidc.Configuration): Promise<{ callback: URL; verifier: string }> {
    const agent = new UserAgent();
    const { page, verifier } = await openLoginPage(agent, configuration);
    return { callback: new URL(await signInToCallback(agent, page, 'alice', PASSWORD)), verifier };
  }

  function redeem(configuration: oidc.Configuration, code: { callback: URL; verifier: string }) {
    return oidc.authorizationCodeGrant(configuration, code.callback, { pkceCodeVerifier: code.verifier });
  }

  async function refused(promise: Promise<unknown>): Promise<unknown> {
    return promise.then(() => 'granted', (error: { error?: unknown }) => error.error);
  }

  /** The stored code row of a callback's code is found by the grant it names; the test's own reads only. */
  async function codeRowsOfGrant(grantId: string): Promise<number> {
    const { rows } = await server.db.query<{ n: number }>(`SELECT count(*)::int AS n FROM oidc_model WHERE model = 'AuthorizationCode' AND grant_id = $1 AND consumed_at IS NOT NULL`, [grantId]);
    return rows[0]!.n;
  }

  const grantOf = (accessToken: string) => JSON.parse(Buffer.from(accessToken.split('.')[1]!, 'base64url').toString('utf8')).grant_id as string;

  it('takes 2 round trips: the code with its session, grant and account; the code consumed with the refresh token inserted', async () => {
    const code = await codeFor(config);
    const from = db.log.length;
    const tokens = await redeem(config, code);
    const trips = requestTrips(db, from).filter((text) => !CLIENT_LOOKUP.test(text));
    expect(trips, trips.join('\n')).toHaveLength(2);
    expect(trips[0]).toMatch(/FROM oidc_model t LEFT JOIN LATERAL .*model = 'Grant'.*model = 'Session'.*LEFT JOIN users u/);
    expect(trips[1]).toMatch(/UPDATE oidc_model SET consumed_at = now\(\).*INSERT INTO oidc_model/);
    // What loaded with the code still reaches the tokens, and the code is spent.
    expect(tokens.claims()).toMatchObject({ sub: userId, email: 'alice@example.com' });
    expect(await codeRowsOfGrant(grantOf(tokens.access_token))).toBe(1);
    expect(await refused(oidc.refreshTokenGrant(config, tokens.refresh_token!))).toBe('granted');
  });

  it('treats a second redemption as a replay: invalid_grant, and the first redemption\'s tokens are revoked', async () => {
    const code = await codeFor(config);
    const tokens = await redeem(config, code);
    expect(await refused(redeem(config, code))).toBe('invalid_grant');
    expect(await refused(oidc.refreshTokenGrant(config, tokens.refresh_token!))).toBe('invalid_grant');
    expect(await oidc.tokenIntrospection(config, tokens.access_token)).toEqual({ active: false });
  });

  it('consumes the code of a client that gets no refresh token at once: a replay is still refused', async () => {
    const code = await codeFor(codeOnly);
    const tokens = await redeem(codeOnly, code);
    expect(tokens.refresh_token).toBeUndefined();
    expect(await codeRowsOfGrant(grantOf(tokens.access_token))).toBe(1);
    expect(await refused(redeem(codeOnly, code))).toBe('invalid_grant');
  });

  it('leaves the code unspent after a redemption with a wrong verifier, so the rightful client still redeems it', async () => {
    const code = await codeFor(config);
    expect(await refused(redeem(config, { ...code, verifier: oidc.randomPKCECodeVerifier() }))).toBe('invalid_grant');
    expect(await refused(redeem(config, code))).toBe('granted');
  });

  it('refuses the code once its session has ended, and the code of a user who may no longer act', async () => {
    const ended = await codeFor(config);
    await server.db.query(`DELETE FROM oidc_model WHERE model = 'Session' AND payload->>'accountId' = $1`, [userId]);
    expect(await refused(redeem(config, ended))).toBe('invalid_grant');
    const disabled = await codeFor(config);
    await server.db.query('UPDATE users SET enabled = false WHERE id = $1', [userId]);
    try {
      expect(await refused(redeem(config, disabled))).toBe('invalid_grant');
    } finally {
      await server.db.query('UPDATE users SET enabled = true WHERE id = $1', [userId]);
    }
  });

  it('redeems a code stored before codes named their session (the session read on its own, one round trip more)', async () => {
    const code = await codeFor(config);
    await server.db.query(`UPDATE oidc_model SET session_uid = NULL WHERE model = 'AuthorizationCode' AND consumed_at IS NULL`);
    const from = db.log.length;
    const tokens = await redeem(config, code);
    const trips = requestTrips(db, from).filter((text) => !CLIENT_LOOKUP.test(text));
    expect(trips, trips.join('\n')).toHaveLength(3);
    expect(trips[1]).toMatch(/FROM oidc_model WHERE model = \$1 AND uid = ANY/);
    expect(tokens.claims()).toMatchObject({ sub: userId });
  });
});
