import { randomBytes } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { freePort } from '../../test/support/test-server.js';
import { startChildServer, type ChildServer } from './child-process.js';

/** The redirect URI of the benchmark's app: never followed, the code is read off the Location header. */
export const BENCH_REDIRECT_URI = 'http://127.0.0.1:1/callback';
/** Seed users (sign-ins rotate over them, so no account reaches its per-account throttle). */
export const BENCH_USERS = 64;
export const BENCH_PASSWORD = 'Bench-password-2026-long';
export const benchUser = (index: number) => `bench${index % BENCH_USERS}@example.com`;

export interface BenchClient { id: string; secret: string }

/** A server the OAuth scenarios drive, with the benchmark's two clients registered. */
export interface ServerTarget {
  name: string;
  url: string;
  server: ChildServer;
  /** A client_credentials client, and an authorization_code + refresh_token client (with consent). */
  service: BenchClient;
  app: BenchClient;
  stop(): Promise<void>;
}

export type LatchkeyTarget = ServerTarget;

export interface LatchkeyTargetOptions {
  name: string;
  /** Postgres (a database of its own), or the embedded database in `dataDir`. */
  databaseUrl?: string;
  dataDir?: string;
  /** The declarative file seeding clients and users (see writeBenchConfig); none: an empty pool. */
  configFile?: string;
  /** MinIO for the identity pool scenario. */
  s3?: { endpoint: string; accessKey: string; secretKey: string };
  secret?: string;
  /** Where `node --cpu-prof` writes the process's profile when it exits (`--profile`); none: not profiled. */
  cpuProfileDir?: string;
}

/** The clients every target registers (the bare library as static clients, Latchkey through its file). */
export const SERVICE: BenchClient = { id: 'bench-service', secret: 'bench-service-secret-0123456789abcdef' };
export const APP: BenchClient = { id: 'bench-app', secret: 'bench-app-secret-0123456789abcdef0123' };

/**
 * The declarative configuration of the benchmark's pool: the two clients, a group with a storage role, and
 * BENCH_USERS users in it. Written as JSON (LATCHKEY_CONFIG reads YAML or JSON); secrets by reference.
 */
export function writeBenchConfig(dir: string): string {
  const file = join(dir, 'latchkey-bench.json');
  const policy = { Version: '2012-10-17', Statement: [{ Effect: 'Allow', Action: ['s3:GetObject'], Resource: ['arn:aws:s3:::free/*'] }] };
  writeFileSync(file, JSON.stringify({
    clients: {
      [SERVICE.id]: { name: 'Bench service', secret: { env: 'BENCH_SERVICE_SECRET' }, grantTypes: ['client_credentials'], scope: 'api:read' },
      [APP.id]: { name: 'Bench app', secret: { env: 'BENCH_APP_SECRET' }, redirectUris: [BENCH_REDIRECT_URI], grantTypes: ['authorization_code', 'refresh_token'], scope: 'openid email profile offline_access sts' },
    },
    groups: { readers: { description: 'Benchmark users', precedence: 10, role: 'bench-reader' } },
    roles: { 'bench-reader': { description: 'Read the free bucket', maxDurationSeconds: 3600, policy } },
    users: Array.from({ length: BENCH_USERS }, (_, i) => ({ email: benchUser(i), verified: true, groups: ['readers'], password: { env: 'BENCH_USER_PASSWORD' } })),
  }, null, 2));
  return file;
}

/** Latchkey as its users run it: `node dist/src/main.js`, logging at info to a pipe, on a free loopback port. */
export async function startLatchkey(options: LatchkeyTargetOptions): Promise<LatchkeyTarget> {
  const port = await freePort();
  const url = `http://127.0.0.1:${port}`;
  const env: Record<string, string> = {
    PORT: String(port), HOST: '127.0.0.1', LATCHKEY_ISSUER: url, LOG_LEVEL: 'info',
    LATCHKEY_SECRET: options.secret ?? randomBytes(32).toString('hex'),
    // The load generator stands for many browsers behind one proxy: each sign-in carries its own address.
    LATCHKEY_TRUST_PROXY: 'true', LATCHKEY_API_AUDIENCES: 'urn:bench:api',
    // Issuance is still counted per user (a write per exchange, as in production); the ceiling is raised so
    // the few benchmark users are not refused after 120 exchanges in an hour.
    LATCHKEY_STS_RATE_LIMIT: '100000',
    BENCH_SERVICE_SECRET: SERVICE.secret, BENCH_APP_SECRET: APP.secret, BENCH_USER_PASSWORD: BENCH_PASSWORD,
    ...(options.databaseUrl ? { DATABASE_URL: options.databaseUrl } : { LATCHKEY_DATA_DIR: options.dataDir ?? '' }),
    ...(options.configFile ? { LATCHKEY_CONFIG: options.configFile } : {}),
    ...(options.s3 ? { S3_ENDPOINT: options.s3.endpoint, S3_STS_ACCESS_KEY: options.s3.accessKey, S3_STS_SECRET_KEY: options.s3.secretKey } : {}),
  };
  const server = await startChildServer(process.execPath, [...(options.cpuProfileDir ? ['--cpu-prof', `--cpu-prof-dir=${options.cpuProfileDir}`] : []), join(import.meta.dirname, '..', '..', 'src', 'main.js')], { env, readyUrl: `${url}/readyz`, timeoutMs: 120_000 });
  return { name: options.name, url, server, service: SERVICE, app: APP, stop: () => server.stop() };
}
