import { cpSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { inject } from 'vitest';

/** Which database the integration suite runs on: set per vitest project (see vitest.config.ts). */
export type Backend = 'postgres' | 'embedded';

export function currentBackend(value: string = process.env.LATCHKEY_TEST_BACKEND ?? 'postgres'): Backend {
  if (value !== 'postgres' && value !== 'embedded') throw new Error(`LATCHKEY_TEST_BACKEND must be postgres or embedded, not ${value}`);
  return value;
}

/** The server that hosts per-test databases. Missing Postgres fails the run: no silent skips. */
export const ADMIN_DATABASE_URL = process.env.LATCHKEY_TEST_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';

export interface TestDatabase {
  /** Environment for loadConfig: DATABASE_URL, or LATCHKEY_DATA_DIR for the embedded database. */
  env: Record<string, string>;
  drop(): Promise<void>;
}

export interface TestDatabaseOptions {
  /**
   * Start from a copy of a database with every migration applied (made once per run, see
   * database-templates.ts), for files whose server would migrate it at start anyway. Without it the
   * database is empty, as a user's first `latchkey migrate` or `npm start` finds it.
   */
  migrated?: boolean;
}

/** A fresh database, already migrated: for files whose server would only migrate it at start. */
export function createMigratedTestDatabase(backend: Backend = currentBackend()): Promise<TestDatabase> {
  return createTestDatabase(backend, { migrated: true });
}

/** A fresh database for one test file: a new Postgres database, or a new embedded data dir. */
export async function createTestDatabase(backend: Backend = currentBackend(), options: TestDatabaseOptions = {}): Promise<TestDatabase> {
  const templates = inject('databaseTemplates');
  if (backend === 'embedded') {
    const dataDir = mkdtempSync(join(tmpdir(), 'lk-'));
    // A copy of a closed cluster made by the same PGlite: what opening an existing data directory finds.
    const template = options.migrated ? templates?.migrated : templates?.embeddedBlank;
    if (template) cpSync(template, join(dataDir, 'pgdata'), { recursive: true });
    return { env: { LATCHKEY_DATA_DIR: dataDir }, drop: async () => rmSync(dataDir, { recursive: true, force: true }) };
  }
  const name = `latchkey_test_${randomBytes(6).toString('hex')}`;
  const template = options.migrated && templates ? ` TEMPLATE ${templates.migrated}` : '';
  const admin = new pg.Client({ connectionString: ADMIN_DATABASE_URL });
  await admin.connect();
  try {
    await admin.query(`CREATE DATABASE ${name}${template}`);
  } finally {
    await admin.end();
  }
  const url = new URL(ADMIN_DATABASE_URL);
  url.pathname = `/${name}`;
  return {
    env: { DATABASE_URL: url.toString() },
    async drop() {
      const client = new pg.Client({ connectionString: ADMIN_DATABASE_URL });
      await client.connect();
      try {
        await client.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
      } finally {
        await client.end();
      }
    },
  };
}
