import { cpSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as oidc from 'openid-client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Database } from '../../src/db/database.js';
import { defaultMigrationsDir, migrate, readMigrations } from '../../src/db/migrate.js';
import { openDatabase } from '../../src/db/open-database.js';
import { createTestDatabase, currentBackend, type TestDatabase } from '../support/backend.js';
import { discover } from '../support/harness.js';
import { runCli } from '../support/processes.js';
import { startTestServer, TEST_SECRET, type TestServer } from '../support/test-server.js';

/** What a later release ships: an additive change (expand), which the running release must survive. */
const FUTURE_MIGRATION = `ALTER TABLE users ADD COLUMN future_nickname text;
CREATE TABLE future_feature (id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY, note text NOT NULL);`;

function openOn(database: TestDatabase): Promise<Database> {
  return openDatabase({ databaseUrl: database.env.DATABASE_URL ?? null, dataDir: database.env.LATCHKEY_DATA_DIR ?? '' });
}

async function appliedVersions(db: Database): Promise<string[]> {
  return (await db.query<{ version: string }>('SELECT version FROM schema_migrations ORDER BY version')).rows.map((r) => r.version);
}

/** The old server's duties that a rolling upgrade must not interrupt: ready, discovery, a token. */
async function expectServing(server: TestServer): Promise<void> {
  const ready = await fetch(`${server.url}/readyz`);
  expect({ status: ready.status, body: await ready.json() }).toEqual({ status: 200, body: { status: 'ready', database: 'ok' } });
  const worker = await server.latchkey.services.clients.create({ name: `Worker ${Math.random()}`, grantTypes: ['client_credentials'], scope: 'reports:read' });
  const config = await discover(server, worker);
  expect(config.serverMetadata().issuer).toBe(server.issuer);
  const tokens = await oidc.clientCredentialsGrant(config, { scope: 'reports:read' });
  expect(tokens.access_token).toMatch(/^[\w-]+\.[\w-]+\.[\w-]+$/);
}

/**
 * Rolling upgrades: a newer release (its server or its CLI) migrates the shared database while replicas of
 * the current release keep running, and new replicas of the current release may still start. Migrations are
 * additive, so a schema newer than the code is fine; a schema older than the code is not, and only
 * `latchkey migrate` and `serve` may move it forward.
 */
describe(`rolling upgrade (${currentBackend()})`, () => {
  let database: TestDatabase;
  let running: TestServer | undefined;
  let fresh: TestServer | undefined;
  const cliEnv = () => ({ ...database.env, LATCHKEY_SECRET: TEST_SECRET, LOG_LEVEL: 'warn' });

  beforeAll(async () => {
    database = await createTestDatabase();
    running = await startTestServer({ env: database.env });
  });
  afterAll(async () => {
    await fresh?.close();
    await running?.close();
    await database?.drop();
  });

  it('a newer checkout applies its additive migration while the old server runs', async () => {
    const newerCheckout = mkdtempSync(join(tmpdir(), 'lk-newer-'));
    cpSync(defaultMigrationsDir(), newerCheckout, { recursive: true });
    writeFileSync(join(newerCheckout, '9999_future_column.sql'), FUTURE_MIGRATION);
    // On the embedded database this attaches to the running server's socket, as a newer CLI would.
    const db = await openOn(database);
    try {
      expect((await migrate(db, readMigrations(newerCheckout))).applied).toEqual(['9999_future_column']);
      expect(await appliedVersions(db)).toContain('9999');
    } finally {
      await db.close();
    }
  });

  it('the already-running old server stays ready (/readyz 200) and serves discovery and a client-credentials token', async () => {
    await expectServing(running!);
    // Writes through the old code land in the expanded table.
    const user = await running!.latchkey.services.users.create({ email: 'during-upgrade@example.com', password: 'a long enough password' });
    expect(user.email).toBe('during-upgrade@example.com');
  });

  it('a freshly started old server starts on the newer schema, logs the newer migration, is ready and serves', async () => {
    // The embedded database takes one server, so there the old one stops first (a restart); Postgres runs both.
    if (currentBackend() === 'embedded') {
      await running!.close();
      running = undefined;
    }
    fresh = await startTestServer({ env: database.env });
    expect(fresh.logs.lines.filter((line) => line.includes('newer Latchkey')).join('\n')).toContain('"newer":["9999_future_column"]');
    await expectServing(fresh);
    if (running) await expectServing(running);
  });

  it('the old CLI runs a read command on the newer schema (exit 0)', async () => {
    const listed = await runCli(['--json', 'user', 'list'], cliEnv());
    expect(listed.code, listed.stderr).toBe(0);
    expect((JSON.parse(listed.stdout) as { email: string }[]).map((u) => u.email)).toEqual(['during-upgrade@example.com']);
  });
});

describe(`CLI on a database with pending migrations (${currentBackend()})`, () => {
  let database: TestDatabase;
  const cliEnv = () => ({ ...database.env, LATCHKEY_SECRET: TEST_SECRET, LOG_LEVEL: 'warn' });

  beforeAll(async () => {
    database = await createTestDatabase();
  });
  afterAll(async () => {
    await database?.drop();
  });

  it('`user list` on a fresh database exits non-zero, tells to run `latchkey migrate`, and creates no schema', async () => {
    const listed = await runCli(['user', 'list'], cliEnv());
    expect(listed.code).not.toBe(0);
    expect(listed.stderr).toContain('run `latchkey migrate` first');
    const db = await openOn(database);
    try {
      const { rows } = await db.query<{ n: number }>(`SELECT count(*)::int AS n FROM information_schema.tables WHERE table_schema = 'public'`);
      expect(rows[0]!.n).toBe(0);
    } finally {
      await db.close();
    }
  });

  it('`user list` with one migration pending exits non-zero, names it, and leaves schema_migrations untouched', async () => {
    const shipped = readMigrations(defaultMigrationsDir());
    const last = shipped.at(-1)!;
    let db = await openOn(database);
    let before: string[];
    try {
      await migrate(db, shipped.slice(0, -1));
      before = await appliedVersions(db);
    } finally {
      await db.close();
    }
    const listed = await runCli(['--json', 'user', 'list'], cliEnv());
    expect(listed.code).not.toBe(0);
    expect(listed.stderr).toContain(`${last.version}_${last.name}`);
    expect(listed.stderr).toContain('run `latchkey migrate` first');
    expect(JSON.parse(listed.stdout)).toMatchObject({ error: 'migrations_pending' });
    db = await openOn(database);
    try {
      expect(await appliedVersions(db)).toEqual(before);
    } finally {
      await db.close();
    }
  });

  it('`latchkey migrate` applies the pending migration, after which `user list` succeeds', async () => {
    const migrated = await runCli(['--json', 'migrate'], cliEnv());
    expect(migrated.code, migrated.stderr).toBe(0);
    const last = readMigrations(defaultMigrationsDir()).at(-1)!;
    expect(JSON.parse(migrated.stdout)).toMatchObject({ applied: [`${last.version}_${last.name}`] });
    const listed = await runCli(['--json', 'user', 'list'], cliEnv());
    expect(listed.code, listed.stderr).toBe(0);
    expect(JSON.parse(listed.stdout)).toEqual([]);
  });
});
