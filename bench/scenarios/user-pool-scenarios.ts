import { authorizationCodeFlow, type Endpoints } from '../flows/authorization-code.js';
import { BENCH_PASSWORD, BENCH_USERS, benchUser, type LatchkeyTarget, type ServerTarget } from '../targets/latchkey.js';
import type pg from 'pg';
import type { BenchContext } from './context.js';
import { describeByTable, measureDatabaseGrowth, type DatabaseGrowth } from './database-footprint.js';
import { CREDENTIAL_EXCHANGE, CREDENTIAL_EXCHANGE_LOADED, DIRECT_ASSUME_ROLE } from './credential-exchange-rows.js';
import { credentialExchange, directAssumeRole, passwordSignIn } from './operations.js';

const logins = Array.from({ length: BENCH_USERS }, (_, i) => benchUser(i));

/**
 * Queues scenario 2: complete password sign-ins (authorize → form → consent → code → token), argon2id included:
 * Latchkey's sign-in page, or the bare library's development interactions with the same argon2id verification
 * in front (bench/bare-provider.ts): what this stack does for a sign-in with nothing of Latchkey's.
 */
export function queueSignIns(ctx: BenchContext, target: Pick<ServerTarget, 'name' | 'app'>, endpoints: Endpoints, signIn: 'latchkey' | 'library'): void {
  if (!ctx.wants('password-sign-in')) return;
  const note = signIn === 'latchkey'
    ? `${BENCH_USERS} users in turn, one client address per sign-in`
    : 'the development interactions (any login) with one argon2id verification at the same parameters: no directory, throttle, CSRF or audit';
  // Eight workers, as many as sign-ins argon2 can overlap usefully on a small machine; more only queue.
  ctx.measure('password-sign-in', target.name, passwordSignIn(endpoints, target.app, logins, BENCH_PASSWORD, signIn), { concurrency: 8, note });
}

const LOADED_NOTE = `throughput, both sides CPU-bound; the p50 target reads ${CREDENTIAL_EXCHANGE} at 1 client`;

/**
 * Queues scenario 5: `/sts/credentials` (with the users' tokens obtained now), at one connection (the latency
 * target's figures) and at the run's workers (throughput). Its floor is {@link queueDirectAssumeRole}.
 */
export async function queueCredentialExchange(ctx: BenchContext, target: LatchkeyTarget, endpoints: Endpoints, s3: { endpoint: string; accessKey: string; secretKey: string } | null): Promise<void> {
  if (!ctx.wants(CREDENTIAL_EXCHANGE)) return;
  if (!s3) {
    ctx.record({ scenario: CREDENTIAL_EXCHANGE, target: target.name, skipped: 'no MinIO' });
    return;
  }
  const tokens = [];
  for (let i = 0; i < 8; i += 1) {
    tokens.push((await authorizationCodeFlow({ endpoints, client: target.app, login: benchUser(i), password: BENCH_PASSWORD, signIn: 'latchkey', scope: 'openid sts' })).access_token);
  }
  ctx.measure(CREDENTIAL_EXCHANGE, target.name, credentialExchange(target.url, tokens), { concurrency: 1, note: '8 users in turn' });
  ctx.measure(CREDENTIAL_EXCHANGE_LOADED, target.name, credentialExchange(target.url, tokens), { note: `8 users in turn; ${LOADED_NOTE}` });
}

/** Queues the credential exchange's floor: the same AssumeRole calls straight to MinIO, at one connection and loaded. */
export function queueDirectAssumeRole(ctx: BenchContext, s3: { endpoint: string; accessKey: string; secretKey: string }): void {
  if (!ctx.wants(CREDENTIAL_EXCHANGE)) return;
  const policy = JSON.stringify({ Version: '2012-10-17', Statement: [{ Effect: 'Allow', Action: ['s3:GetObject'], Resource: ['arn:aws:s3:::free/*'] }] });
  ctx.measure(CREDENTIAL_EXCHANGE, DIRECT_ASSUME_ROLE, directAssumeRole(s3, policy), { concurrency: 1 });
  ctx.measure(CREDENTIAL_EXCHANGE_LOADED, DIRECT_ASSUME_ROLE, directAssumeRole(s3, policy), { note: LOADED_NOTE });
}

/**
 * Scenario 6, per session: `settings.sessions` sign-ins (each a session, a grant and a refresh token in
 * Postgres), then the growth of the database (compacted, and as it stands) and of the server's memory, per
 * session and per 10,000.
 */
export async function runSessionFootprint(ctx: BenchContext, target: LatchkeyTarget, endpoints: Endpoints, databaseUrl: string): Promise<void> {
  if (!ctx.wants('sessions')) return;
  const count = ctx.settings.sessions;
  const rssBefore = target.server.rssMiB();
  ctx.progress(`  sessions · ${target.name} · ${count} sign-ins`);
  const growth = await measureDatabaseGrowth(databaseUrl, count, async () => {
    let done = 0;
    await Promise.all(Array.from({ length: 8 }, async () => {
      while (done < count) {
        const index = done++;
        await authorizationCodeFlow({ endpoints, client: target.app, login: benchUser(index), password: BENCH_PASSWORD, signIn: 'latchkey' });
      }
    }));
  }, expireSignInLeftovers);
  const rssPerSession = ((target.server.rssMiB() - rssBefore) * 1024 * 1024) / count;
  recordSessionGrowth(ctx, target.name, count, growth, 'sessions with refresh tokens, each signed in with a password (its audit events included)');
  ctx.record({ scenario: 'sessions', target: `${target.name}: server memory per session`, value: Math.round(rssPerSession), unit: 'B', note: 'RSS growth of the server process; sessions live in Postgres' });
}

/**
 * What a sign-in leaves that Latchkey's periodic cleanup (every 10 minutes, latchkey-jobs.ts) removes long
 * before the session ends (14 days; its refresh token lasts 30): the spent authorization code, valid 60 s and
 * kept until then so that a replay revokes the grant, and the throttle's per-address counters, whose window is
 * 15 minutes and which are swept a day later (the bench gives every sign-in an address of its own). What is
 * left is what an active session holds for its life.
 */
async function expireSignInLeftovers(client: pg.Client, startedAt: Date): Promise<void> {
  await client.query(`DELETE FROM oidc_model WHERE model = 'AuthorizationCode' AND (payload->>'iat')::bigint >= floor(extract(epoch FROM $1::timestamptz))`, [startedAt]);
  // The counters of each address, and of each account at each address; an account's own counter was there before.
  await client.query(`DELETE FROM rate_limits WHERE window_start >= $1 AND (key LIKE 'login:addr:%' OR key LIKE 'login:acct-addr:%')`, [startedAt]);
}

/** The database rows of scenario 6 for one target; the bytes an active session holds are the target's figure. */
export function recordSessionGrowth(ctx: BenchContext, name: string, count: number, growth: DatabaseGrowth, what: string): void {
  const perTenThousand = (bytes: number) => `${(bytes * 10_000 / 1024 / 1024).toFixed(1)} MiB per 10,000`;
  if (growth.heldPerUnit !== undefined) {
    ctx.record({ scenario: 'sessions', target: `${name}: Postgres bytes per active session`, value: Math.round(growth.heldPerUnit), unit: 'B', note: `${perTenThousand(growth.heldPerUnit)}; the figure below less the spent code (removed once expired, after 60 s) and the throttle's per-address counters (swept a day after their window)` });
  }
  ctx.record({ scenario: 'sessions', target: `${name}: Postgres bytes per session at sign-in`, value: Math.round(growth.compactedPerUnit), unit: 'B', note: `${count} ${what}; ${perTenThousand(growth.compactedPerUnit)}; live rows, indexes and TOAST (VACUUM FULL before and after): ${describeByTable(growth)}` });
  ctx.record({ scenario: 'sessions', target: `${name}: Postgres growth per session, dead rows included`, value: Math.round(growth.rawPerUnit), unit: 'B', note: `${perTenThousand(growth.rawPerUnit)}; database size before autovacuum reuses the space of updated and deleted rows` });
}
