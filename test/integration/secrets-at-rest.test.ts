import * as oidc from 'openid-client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Database } from '../../src/db/database.js';
import { convertLegacyOidcModels } from '../../src/oidc/legacy-model-conversion.js';
import { createModelAtRest, type ModelAtRest } from '../../src/oidc/model-at-rest.js';
import { createPostgresAdapterClass } from '../../src/oidc/postgres-adapter.js';
import { createClientLookup } from '../../src/oidc/client-lookup.js';
import { createMigratedTestDatabase, currentBackend, type TestDatabase } from '../support/backend.js';
import { PASSWORD, REDIRECT_URI, seedDirectory } from '../support/fixtures.js';
import { openLoginPage, signInToCallback } from '../support/flows.js';
import { discover } from '../support/harness.js';
import { startTestServer, TEST_SECRET, type TestServer } from '../support/test-server.js';
import { UserAgent } from '../support/user-agent.js';

const NEW_SECRET = 'n'.repeat(40);

/** Everything the provider stored, as text: what a database dump would show. */
async function dumpOidcModel(db: Database): Promise<string> {
  const { rows } = await db.query('SELECT model, id, payload::text AS payload, grant_id, user_code, uid FROM oidc_model ORDER BY model, id');
  return JSON.stringify(rows);
}

/** A signed-in browser and what it holds: the bearer values a dump must not reveal. */
interface SignedIn {
  agent: UserAgent;
  sessionId: string;
  interactionId: string;
  code: string;
  cookies: string[];
  tokens: oidc.TokenEndpointResponse;
}

async function signIn(config: oidc.Configuration): Promise<SignedIn> {
  const agent = new UserAgent();
  const { page, verifier } = await openLoginPage(agent, config);
  const interactionId = /\/interaction\/([^/?#]+)/.exec(page.url)![1]!;
  const callback = await signInToCallback(agent, page, 'alice', PASSWORD);
  const code = new URL(callback).searchParams.get('code')!;
  // Every live cookie value Latchkey set (session, interaction, resume), signatures and cleared ones aside.
  const jar = (await agent.jar.serialize()).cookies;
  const cookies = jar.filter((c) => !String(c.key).endsWith('.sig') && String(c.value).length >= 16).map((c) => String(c.value));
  const session = jar.find((c) => c.key === '_session');
  expect(session?.value).toMatch(/^[\w-]{16,}$/);
  const tokens = await oidc.authorizationCodeGrant(config, new URL(callback), { pkceCodeVerifier: verifier });
  expect(tokens.refresh_token).toBeTruthy();
  return { agent, sessionId: String(session!.value), interactionId, code, cookies, tokens };
}

/** The session cookie still signs the browser in: a new authorization request ends at the app at once. */
async function expectSessionStillSignsIn(agent: UserAgent, config: oidc.Configuration): Promise<void> {
  const verifier = oidc.randomPKCECodeVerifier();
  const url = oidc.buildAuthorizationUrl(config, {
    redirect_uri: REDIRECT_URI, scope: 'openid email offline_access',
    code_challenge: await oidc.calculatePKCECodeChallenge(verifier), code_challenge_method: 'S256',
  });
  const landed = await agent.navigate(url.toString(), REDIRECT_URI);
  expect(landed.location).toMatch(/\?code=/);
}

/**
 * Rewrites every provider row as Latchkey stored it before ids were hashed: raw ids, clear payloads. A row
 * found only by its id does not store that id (its `jti`): a Grant's is its `grant_id`, and the others' are
 * among `rawIds`, the codes and tokens the test holds.
 */
async function rewriteAsLegacy(db: Database, atRest: ModelAtRest, rawIds: readonly string[]): Promise<number> {
  const byStorageKey = new Map(rawIds.flatMap((raw) => atRest.lookupKeys(raw).map((key) => [key, raw] as const)));
  const { rows } = await db.query<{ model: string; id: string; grant_id: string | null; payload: Record<string, unknown> }>(
    `SELECT model, id, grant_id, payload FROM oidc_model WHERE model <> 'RevokedAccessToken'`,
  );
  for (const row of rows) {
    const opened = atRest.open(row.model, row.payload)!;
    const jti = opened.jti ?? (row.model === 'Grant' ? row.grant_id : byStorageKey.get(row.id));
    expect(typeof jti, `${row.model}'s raw id`).toBe('string');
    const payload = { ...opened, jti };
    await db.query('UPDATE oidc_model SET id = $3, payload = $4, uid = $5 WHERE model = $1 AND id = $2',
      [row.model, row.id, jti, JSON.stringify(payload), payload.uid ?? null]);
  }
  return rows.length;
}

async function legacyRowCount(db: Database): Promise<number> {
  const { rows } = await db.query<{ n: number }>(`SELECT count(*)::int AS n FROM oidc_model WHERE id NOT LIKE 'h1.%' AND model <> 'RevokedAccessToken'`);
  return rows[0]!.n;
}

/** A database dump must not hand out usable secrets; the secret list rotates without downtime. */
describe(`secrets at rest (${currentBackend()})`, () => {
  let database: TestDatabase;
  afterAll(async () => { await database?.drop(); });

  it('stores client secrets hashed and private keys sealed, and rotates LATCHKEY_SECRET by prepending', async () => {
    database = await createMigratedTestDatabase();
    const first = await startTestServer({ env: database.env });
    const client = await first.latchkey.services.clients.create({ name: 'Svc', grantTypes: ['client_credentials'], scope: 'x:y' });
    const dump = JSON.stringify((await first.db.query('SELECT * FROM clients')).rows) + JSON.stringify((await first.db.query('SELECT * FROM signing_keys')).rows);
    expect(dump).not.toContain(client.client_secret!);
    const key = (await first.db.query<{ private_jwk_sealed: string; public_jwk: Record<string, unknown> }>('SELECT private_jwk_sealed, public_jwk FROM signing_keys')).rows[0]!;
    expect(key.public_jwk).not.toHaveProperty('d');
    expect(key.private_jwk_sealed).toMatch(/^v1\./);
    expect(key.private_jwk_sealed).not.toContain('"d"');
    const kid = key.public_jwk.kid;
    await first.close();

    // A new secret first, the old one still listed: keys sealed under the old one still open.
    const rotated = await startTestServer({ env: database.env, extraEnv: { LATCHKEY_SECRET: `${NEW_SECRET},${TEST_SECRET}` } });
    const jwks = await (await fetch(`${rotated.issuer}/jwks`)).json() as { keys: { kid: string }[] };
    expect(jwks.keys.map((k) => k.kid)).toEqual([kid]);
    await rotated.close();

    // Without the old secret the keys cannot be opened: start-up fails with a message that says why.
    await expect(startTestServer({ env: database.env, extraEnv: { LATCHKEY_SECRET: NEW_SECRET } })).rejects.toThrow(/LATCHKEY_SECRET/);
  });
});

/**
 * Codes, refresh tokens, session and interaction ids are bearer values: oidc_model keeps keyed hashes of
 * them and seals the payloads that repeat them, and everything still works, across secret rotation and
 * for rows written before hashing.
 */
describe(`provider state at rest (${currentBackend()})`, () => {
  let database: TestDatabase;
  let server: TestServer | undefined;
  let config: oidc.Configuration;
  let issuer: string;
  let clientId: string;
  let clientSecret: string;

  const start = async (secrets = TEST_SECRET) => {
    await server?.close();
    // Same issuer and port: the browser's cookies belong to that origin.
    server = await startTestServer({ env: database.env, issuer, extraEnv: { LATCHKEY_SECRET: secrets, PORT: new URL(issuer).port } });
    config = await discover(server, { client_id: clientId, client_secret: clientSecret });
    return server;
  };

  beforeAll(async () => {
    database = await createMigratedTestDatabase();
    server = await startTestServer({ env: database.env });
    issuer = server.issuer;
    const { client } = await seedDirectory(server.latchkey.services);
    clientId = client.client_id;
    clientSecret = client.client_secret!;
    config = await discover(server, client);
  });
  afterAll(async () => {
    await server?.close();
    await database?.drop();
  });

  it('leaves no code, refresh token, cookie value or interaction id in a dump of oidc_model, and tokens still work', async () => {
    const { agent, interactionId, code, cookies, tokens } = await signIn(config);
    const refreshed = await oidc.refreshTokenGrant(config, tokens.refresh_token!);
    expect(refreshed.refresh_token).toBeTruthy();
    expect(refreshed.refresh_token).not.toBe(tokens.refresh_token);
    await expectSessionStillSignsIn(agent, config);

    const dump = await dumpOidcModel(server!.db);
    for (const secret of [interactionId, code, tokens.refresh_token!, refreshed.refresh_token!, ...cookies]) {
      expect(secret.length).toBeGreaterThanOrEqual(16);
      expect(dump).not.toContain(secret);
    }
    const ids = await server!.db.query<{ model: string; id: string }>(`SELECT model, id FROM oidc_model WHERE model <> 'RevokedAccessToken'`);
    expect([...new Set(ids.rows.map((r) => r.model))]).toEqual(expect.arrayContaining(['Session', 'Grant', 'AuthorizationCode', 'RefreshToken']));
    for (const row of ids.rows) expect(row.id).toMatch(/^h1\.[\w-]{43}$/);

    // Replaying the spent refresh token still revokes the grant: the new refresh token dies with it.
    await expect(oidc.refreshTokenGrant(config, tokens.refresh_token!)).rejects.toMatchObject({ error: 'invalid_grant' });
    await expect(oidc.refreshTokenGrant(config, refreshed.refresh_token!)).rejects.toMatchObject({ error: 'invalid_grant' });
    expect(await oidc.tokenIntrospection(config, refreshed.access_token)).toEqual({ active: false });
  });

  it('finds sessions and refresh tokens written under the old secret after a new one is prepended', async () => {
    await start(TEST_SECRET);
    const { agent, sessionId, tokens } = await signIn(config);
    await start(`${NEW_SECRET},${TEST_SECRET}`);
    const refreshed = await oidc.refreshTokenGrant(config, tokens.refresh_token!);
    expect(refreshed.access_token).toBeTruthy();
    await expectSessionStillSignsIn(agent, config);
    // The provider saved the session again: under the new secret, and its copy under the old one went.
    const underOld = createModelAtRest([TEST_SECRET]).storageKey(sessionId);
    const underNew = createModelAtRest([NEW_SECRET]).storageKey(sessionId);
    const sessions = await server!.db.query<{ id: string }>(`SELECT id FROM oidc_model WHERE model = 'Session' AND id = ANY($1::text[])`, [[underOld, underNew]]);
    expect(sessions.rows).toEqual([{ id: underNew }]);
    await expect(oidc.refreshTokenGrant(config, tokens.refresh_token!)).rejects.toMatchObject({ error: 'invalid_grant' });
    await expect(oidc.refreshTokenGrant(config, refreshed.refresh_token!)).rejects.toMatchObject({ error: 'invalid_grant' });
  });

  it('finds rows written before ids were hashed, and re-keys them at the next start', async () => {
    await start(TEST_SECRET);
    const { agent, code, tokens, cookies } = await signIn(config);
    expect(await rewriteAsLegacy(server!.db, createModelAtRest([NEW_SECRET, TEST_SECRET]), [code, tokens.refresh_token!])).toBeGreaterThanOrEqual(4);
    expect(await dumpOidcModel(server!.db)).toContain(tokens.refresh_token!);

    // A rolling upgrade: the raw rows keep working until they are converted.
    const refreshed = await oidc.refreshTokenGrant(config, tokens.refresh_token!);
    await expectSessionStillSignsIn(agent, config);
    expect(await legacyRowCount(server!.db)).toBeGreaterThan(0);

    await start(TEST_SECRET);
    expect(await legacyRowCount(server!.db)).toBe(0);
    expect(server!.logs.text).toMatch(/legacy provider rows re-keyed/);
    const dump = await dumpOidcModel(server!.db);
    for (const secret of [code, tokens.refresh_token!, refreshed.refresh_token!, ...cookies]) expect(dump).not.toContain(secret);

    await expectSessionStillSignsIn(agent, config);
    const again = await oidc.refreshTokenGrant(config, refreshed.refresh_token!);
    // The converted spent token keeps its consumption: replaying it revokes the grant.
    await expect(oidc.refreshTokenGrant(config, tokens.refresh_token!)).rejects.toMatchObject({ error: 'invalid_grant' });
    await expect(oidc.refreshTokenGrant(config, again.refresh_token!)).rejects.toMatchObject({ error: 'invalid_grant' });
    expect(await convertLegacyOidcModels(server!.db, createModelAtRest([TEST_SECRET]))).toBe(0);
  });

  it('answers "not found" for ids, uids, user codes and client ids carrying NUL or control characters', async () => {
    const db = server!.db;
    const Adapter = createPostgresAdapterClass(db, createClientLookup({ db }), createModelAtRest([TEST_SECRET]));
    for (const hostile of ['\u0000', 'abc\u0000def', 'tab\tnew\nline', '\u007f', 'x'.repeat(5000)]) {
      expect(await new Adapter('RefreshToken').find(hostile)).toBeUndefined();
      expect(await new Adapter('Session').findByUid(hostile)).toBeUndefined();
      expect(await new Adapter('DeviceCode').findByUserCode(hostile)).toBeUndefined();
      expect(await new Adapter('Client').find(hostile)).toBeUndefined();
      await expect(new Adapter('Session').destroy(hostile)).resolves.toBeUndefined();
      await expect(new Adapter('RefreshToken').consume(hostile)).rejects.toMatchObject({ error: 'invalid_grant' });
    }

    const basic = `Basic ${Buffer.from(`${clientId}:${clientSecret}`).toString('base64')}`;
    const refresh = await fetch(`${issuer}/token`, {
      method: 'POST', headers: { authorization: basic, 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ grant_type: 'refresh_token', refresh_token: 'abc\u0000def' }).toString(),
    });
    // The form layer may refuse the control character first (invalid_request); either way a 400, never a 500.
    expect({ status: refresh.status, body: await refresh.json() }).toMatchObject({ status: 400, body: { error: expect.stringMatching(/^invalid_(grant|request)$/) } });
    const foreign = await fetch(`${issuer}/token`, {
      method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ grant_type: 'client_credentials', client_id: 'evil\u0000', client_secret: 'x' }).toString(),
    });
    expect({ status: foreign.status, body: await foreign.json() }).toMatchObject({ status: expect.toBeOneOf([400, 401]), body: { error: expect.stringMatching(/^invalid_(client|request)$/) } });
    const authorize = await fetch(`${issuer}/auth?client_id=evil%00&response_type=code&scope=openid&redirect_uri=${encodeURIComponent(REDIRECT_URI)}`, { redirect: 'manual' });
    expect(authorize.status).toBe(400);
    expect(server!.logs.text).not.toMatch(/server_error/);
  });
});
