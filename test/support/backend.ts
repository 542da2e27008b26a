import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import pg from 'pg';

/** Which database the integration suite runs on: set per vitest project (see vitest.config.ts). */
export type Backend = 'postgres' | 'embedded';

export function currentBackend(): Backend {
  const value = process.env.LATCHKEY_TEST_BACKEND ?? 'postgres';
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

/** A fresh, empty database for one test file: a new Postgres database, or a new embedded data dir. */
export async function createTestDatabase(backend: Backend = currentBackend()): Promise<TestDatabase> {
  if (backend === 'embedded') {
    const dataDir = mkdtempSync(join(tmpdir(), 'lk-'));
    return { env: { LATCHKEY_DATA_DIR: dataDir }, drop: async () => rmSync(dataDir, { recursive: true, force: true }) };
  }
  const name = `latchkey_test_${randomBytes(6).toString('hex')}`;
  const admin = new pg.Client({ connectionString: ADMIN_DATABASE_URL });
  await admin.connect();
  try {
    await admin.query(`CREATE DATABASE ${name}`);
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
