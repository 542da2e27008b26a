import * as oidc from 'openid-client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { isDatabaseUnavailable } from '../../src/db/database.js';
import { PASSWORD, seedDirectory } from '../support/fixtures.js';
import { openLoginPage, signInToCallback } from '../support/flows.js';
import { discover } from '../support/harness.js';
import { startTestServer, type TestServer } from '../support/test-server.js';
import { createThrowawayPostgres, type ThrowawayPostgres } from '../support/throwaway-postgres.js';
import { UserAgent } from '../support/user-agent.js';

/**
 * The longest any request may take, derived from Latchkey's own timeouts (src/db/database.ts): the pool
 * has `connectionTimeoutMillis` 5 s and no statement timeout. A query waits at most 5 s in the pool's queue
 * for a free connection, then at most 5 s for the new connection itself; the first query that fails ends the
 * request (503). A refused connection (Postgres down) or a terminated session (Postgres stopping) fails at
 * once, so real requests stay far below this; a request over it is hanging on the database.
 */
const CONNECTION_TIMEOUT_MS = 5000;
const REQUEST_BOUND_MS = 2 * CONNECTION_TIMEOUT_MS;
/** Only so that a hanging request fails the test instead of stalling it: recorded, then over the bound. */
const ABANDON_AFTER_MS = 30_000;
/** How long Postgres stays down. */
const DOWN_MS = 2000;
/** Requests started after readiness returns that must all succeed (a run of successes, as before). */
const SUCCESSES_AFTER = 40;

type Kind = 'discovery' | 'token' | 'readyz' | 'introspection' | 'userinfo';
const KINDS: readonly Kind[] = ['discovery', 'token', 'readyz', 'introspection', 'userinfo'];

interface Sample { kind: Kind; startedAt: number; ms: number; status: number; body: string }

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * Postgres itself restarting (pg_ctl stop -m fast, down two seconds, pg_ctl start) under steady traffic, on a
 * cluster the test owns: Latchkey says it is not ready while Postgres is down, answers every request within
 * a bound (a clean 503 or success), loses nothing, and serves as before once Postgres is back, without being
 * restarted itself.
 */
describe('Postgres restart under traffic (postgres)', () => {
  let cluster: ThrowawayPostgres;
  let server: TestServer;
  let basic: string;
  let serviceId: string;
  let beforeToken: string;
  let userAccessToken: string;
  let config: oidc.Configuration;
  let traffic: ReturnType<typeof steadyTraffic> | undefined;

  beforeAll(async () => {
    cluster = await createThrowawayPostgres();
    await cluster.createDatabase('latchkey');
    server = await startTestServer({ env: { DATABASE_URL: cluster.url('latchkey') } });
    const service = await server.latchkey.services.clients.create({ name: 'Svc', grantTypes: ['client_credentials'], scope: 'jobs:run' });
    serviceId = service.client_id;
    basic = `Basic ${Buffer.from(`${service.client_id}:${service.client_secret}`).toString('base64')}`;
    beforeToken = ((await (await tokenGrant()).json()) as { access_token: string }).access_token;
    // A user and a sign-in before the restart: their rows, and an access token for userinfo.
    const { client } = await seedDirectory(server.latchkey.services);
    config = await discover(server, client);
    userAccessToken = (await signIn()).access_token;
  }, 120_000);
  afterAll(async () => {
    await traffic?.stop(); // already stopped unless the test failed half-way
    await server?.close(1000);
    await cluster?.destroy();
  });

  const post = (path: string, body: string) => fetch(`${server.issuer}${path}`, {
    method: 'POST', headers: { authorization: basic, 'content-type': 'application/x-www-form-urlencoded' }, body, signal: AbortSignal.timeout(ABANDON_AFTER_MS),
  });
  const tokenGrant = () => post('/token', 'grant_type=client_credentials&scope=jobs:run');

  async function signIn(): ReturnType<typeof oidc.authorizationCodeGrant> {
    const agent = new UserAgent();
    const { page, verifier } = await openLoginPage(agent, config);
    const callback = await signInToCallback(agent, page, 'alice', PASSWORD);
    return oidc.authorizationCodeGrant(config, new URL(callback), { pkceCodeVerifier: verifier });
  }

  const send: Record<Kind, () => Promise<Response>> = {
    discovery: () => fetch(`${server.issuer}/.well-known/openid-configuration`, { signal: AbortSignal.timeout(ABANDON_AFTER_MS) }),
    token: tokenGrant,
    readyz: () => fetch(`${server.issuer}/readyz`, { signal: AbortSignal.timeout(ABANDON_AFTER_MS) }),
    introspection: () => post('/token/introspection', `token=${beforeToken}`),
    userinfo: () => fetch(config.serverMetadata().userinfo_endpoint!, { headers: { authorization: `Bearer ${userAccessToken}` }, signal: AbortSignal.timeout(ABANDON_AFTER_MS) }),
  };

  /** Workers that each send the kinds in turn, a short pause apart, until stopped; every answer is recorded. */
  function steadyTraffic(workers: number) {
    const samples: Sample[] = [];
    let running = true;
    const loops = Array.from({ length: workers }, async (_, worker) => {
      for (let i = worker; running; i += 1) {
        const kind = KINDS[i % KINDS.length]!;
        const startedAt = Date.now();
        let status = 0;
        let body: string;
        try {
          const response = await send[kind]();
          status = response.status;
          body = await response.text();
        } catch (error) {
          body = String(error); // a dropped connection or an abandoned request: status 0
        }
        samples.push({ kind, startedAt, ms: Date.now() - startedAt, status, body });
        await sleep(20);
      }
    });
    return { samples, stop: async () => { running = false; await Promise.all(loops); } };
  }

  it(`answers every request within ${REQUEST_BOUND_MS} ms, is not ready while Postgres is down, recovers by itself and loses nothing`, async () => {
    traffic = steadyTraffic(4);
    const { samples } = traffic;
    await expect.poll(() => samples.length, { timeout: 10_000 }).toBeGreaterThanOrEqual(2 * KINDS.length);

    // Transactions open when Postgres stops (a batch, a job's claim, a sign-in that upgrades a hash): one
    // waiting on a query, one between two queries. Each fails with the database's own error, and the server
    // ending their sessions must not take the process down.
    let resume = () => {};
    const resumed = new Promise<void>((resolve) => { resume = resolve; });
    const inQuery = server.db.transaction((tx) => tx.query('SELECT pg_sleep(60)')).then(() => null, (error: unknown) => error);
    const betweenQueries = server.db.transaction(async (tx) => {
      await tx.query('SELECT 1');
      await resumed;
      await tx.query('SELECT 1');
    }).then(() => null, (error: unknown) => error);
    await expect.poll(async () => (await server.db.query<{ n: number }>(`SELECT count(*)::int AS n FROM pg_stat_activity
      WHERE (state = 'active' AND query = 'SELECT pg_sleep(60)') OR (state = 'idle in transaction' AND query = 'SELECT 1')`)).rows[0]!.n).toBe(2);

    const stoppingAt = Date.now();
    await cluster.stop();
    const stoppedAt = Date.now();
    expect(await inQuery).toMatchObject({ code: '57P01' }); // terminating connection due to administrator command
    resume();
    expect(isDatabaseUnavailable(await betweenQueries)).toBe(true);
    const ready = await fetch(`${server.issuer}/readyz`);
    expect(ready.status).toBe(503);
    expect(await ready.json()).toMatchObject({ status: 'not_ready' });
    expect((await fetch(`${server.issuer}/healthz`)).status).toBe(200); // the process itself is fine
    await sleep(DOWN_MS);

    const startingAt = Date.now();
    await cluster.start();
    const startedAt = Date.now();
    let readyAt = 0;
    await expect.poll(async () => {
      const status = (await fetch(`${server.issuer}/readyz`)).status;
      if (status === 200) readyAt = Date.now();
      return status;
    }, { timeout: REQUEST_BOUND_MS, interval: 100 }).toBe(200);
    expect(readyAt - startedAt).toBeLessThan(REQUEST_BOUND_MS);

    const after = () => samples.filter((s) => s.startedAt >= readyAt);
    await expect.poll(() => after().length, { timeout: 20_000 }).toBeGreaterThanOrEqual(SUCCESSES_AFTER);
    await traffic.stop();

    // No request hung, and each answer was a success or a clean server-side refusal.
    const slowest = samples.reduce((max, s) => Math.max(max, s.ms), 0);
    expect(slowest, `slowest request: ${slowest} ms`).toBeLessThan(REQUEST_BOUND_MS);
    for (const s of samples) {
      expect(s.status === 200 || s.status >= 500, `${s.kind} answered ${s.status}: ${s.body.slice(0, 200)}`).toBe(true);
      if (s.status !== 200) expect(s.body).not.toMatch(/ECONNREFUSED|terminating connection|at .*\.js:\d+/); // no internals leak
    }
    // Before the stop everything succeeded. While Postgres was down, readiness said so, and every endpoint,
    // Latchkey's own bridges and the provider's token endpoint alike, answered 503 (retry shortly).
    expect(samples.filter((s) => s.startedAt + s.ms < stoppingAt).every((s) => s.status === 200)).toBe(true);
    const whileDown = samples.filter((s) => s.startedAt >= stoppedAt && s.startedAt + s.ms < startingAt);
    for (const kind of KINDS) expect(whileDown.filter((s) => s.kind === kind).length, kind).toBeGreaterThan(0);
    for (const s of whileDown) {
      if (s.kind !== 'discovery') expect(s.status, s.kind).toBe(503);
      if (s.kind === 'token') expect(JSON.parse(s.body)).toMatchObject({ error: 'temporarily_unavailable' });
    }
    // After readiness returned: every request succeeded, of every kind.
    const recovered = after();
    expect(recovered.filter((s) => s.status !== 200).map((s) => `${s.kind} ${s.status}`)).toEqual([]);
    for (const kind of KINDS) expect(recovered.filter((s) => s.kind === kind).length, kind).toBeGreaterThan(0);

    // Nothing written before the restart is lost: the token issued before still introspects as active, the
    // client still authenticates, and the user still signs in with her password.
    const introspected = await post('/token/introspection', `token=${beforeToken}`);
    expect(await introspected.json()).toMatchObject({ active: true, client_id: serviceId, scope: 'jobs:run' });
    const tokens = await signIn();
    expect(tokens.claims()?.email).toBe('alice@example.com');
    expect(tokens.claims()?.aud).toBe(config.clientMetadata().client_id);
  }, 60_000);
});
