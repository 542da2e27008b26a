/**
 * Latchkey side by side with the bare oidc-provider, over real HTTP on loopback.
 *   npm run bench                  (Postgres at LATCHKEY_TEST_DATABASE_URL or 127.0.0.1:5432)
 *   BENCH_SECONDS=10 BENCH_CONCURRENCY=32 npm run bench
 * Prints a Markdown table: requests per second and latency percentiles per scenario.
 */
import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { loadConfig } from '../src/config/load-config.js';
import { createLogger } from '../src/lib/logger.js';
import { startServer } from '../src/server.js';
import { startBareProvider } from './bare-provider.js';
import { load, type LoadResult } from './load.js';

const seconds = Number(process.env.BENCH_SECONDS ?? 5);
const concurrency = Number(process.env.BENCH_CONCURRENCY ?? 16);
const adminUrl = process.env.LATCHKEY_TEST_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';

function basic(id: string, secret: string): string {
  return `Basic ${Buffer.from(`${encodeURIComponent(id)}:${encodeURIComponent(secret)}`).toString('base64')}`;
}

async function main() {
  const dbName = `latchkey_bench_${randomBytes(4).toString('hex')}`;
  const admin = new pg.Client({ connectionString: adminUrl });
  await admin.connect();
  await admin.query(`CREATE DATABASE ${dbName}`);
  const dbUrl = new URL(adminUrl);
  dbUrl.pathname = `/${dbName}`;
  const config = loadConfig({ PORT: '0', HOST: '127.0.0.1', LATCHKEY_ISSUER: 'http://127.0.0.1', DATABASE_URL: dbUrl.toString(), LATCHKEY_SECRET: randomBytes(32).toString('hex'), LOG_LEVEL: 'silent' });
  const running = await startServer(config, createLogger('silent'));
  const latchkey = running.url;
  const created = await running.latchkey.services.clients.create({ name: 'bench', grantTypes: ['client_credentials'], scope: 'api:read' });
  const lk = { id: created.client_id, secret: created.client_secret! };
  const bareJwt = await startBareProvider({ id: 'bench', secret: 'bench-secret-0123456789' }, 'jwt');
  const bareOpaque = await startBareProvider({ id: 'bench', secret: 'bench-secret-0123456789' }, 'opaque');
  const bare = { id: 'bench', secret: 'bench-secret-0123456789' };

  const token = async (base: string, c: { id: string; secret: string }) => {
    const r = await fetch(`${base}/token`, { method: 'POST', headers: { authorization: basic(c.id, c.secret), 'content-type': 'application/x-www-form-urlencoded' }, body: 'grant_type=client_credentials&scope=api:read' });
    return ((await r.json()) as { access_token: string }).access_token;
  };
  const lkToken = await token(latchkey, lk);
  const bareOpaqueToken = await token(bareOpaque.url, bare);

  const scenarios: [string, string, () => Promise<Response>][] = [
    ['discovery', 'latchkey', () => fetch(`${latchkey}/.well-known/openid-configuration`)],
    ['discovery', 'bare oidc-provider', () => fetch(`${bareJwt.url}/.well-known/openid-configuration`)],
    ['client_credentials → JWT', 'latchkey (Postgres)', () => fetch(`${latchkey}/token`, { method: 'POST', headers: { authorization: basic(lk.id, lk.secret), 'content-type': 'application/x-www-form-urlencoded' }, body: 'grant_type=client_credentials&scope=api:read' })],
    ['client_credentials → JWT', 'bare oidc-provider (memory)', () => fetch(`${bareJwt.url}/token`, { method: 'POST', headers: { authorization: basic(bare.id, bare.secret), 'content-type': 'application/x-www-form-urlencoded' }, body: 'grant_type=client_credentials&scope=api:read' })],
    ['introspection', 'latchkey, JWT + liveness query', () => fetch(`${latchkey}/token/introspection`, { method: 'POST', headers: { authorization: basic(lk.id, lk.secret), 'content-type': 'application/x-www-form-urlencoded' }, body: `token=${lkToken}` })],
    ['introspection', 'bare oidc-provider, opaque (memory)', () => fetch(`${bareOpaque.url}/token/introspection`, { method: 'POST', headers: { authorization: basic(bare.id, bare.secret), 'content-type': 'application/x-www-form-urlencoded' }, body: `token=${bareOpaqueToken}` })],
  ];

  const rows: [string, string, LoadResult][] = [];
  for (const [scenario, target, send] of scenarios) {
    process.stderr.write(`${scenario} / ${target} …\n`);
    rows.push([scenario, target, await load(send, { concurrency, durationMs: seconds * 1000 })]);
  }
  process.stdout.write(`\n${concurrency} concurrent clients, ${seconds} s per scenario, Node ${process.version}\n\n`);
  process.stdout.write('| scenario | server | req/s | p50 ms | p95 ms | p99 ms | errors |\n|---|---|---:|---:|---:|---:|---:|\n');
  for (const [scenario, target, r] of rows) {
    process.stdout.write(`| ${scenario} | ${target} | ${r.rps.toFixed(0)} | ${r.p50.toFixed(1)} | ${r.p95.toFixed(1)} | ${r.p99.toFixed(1)} | ${r.errors} |\n`);
  }

  await running.close();
  bareJwt.server.close();
  bareOpaque.server.close();
  await admin.query(`DROP DATABASE ${dbName} WITH (FORCE)`);
  await admin.end();
}

main().catch((error: unknown) => {
  process.stderr.write(`${error instanceof Error ? error.stack : String(error)}\n`);
  process.exitCode = 1;
});
