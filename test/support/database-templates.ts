import { cpSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import pg from 'pg';
import type { TestProject } from 'vitest/node';
import { openDatabase } from '../../src/db/open-database.js';
import { defaultMigrationsDir, migrate, readMigrations } from '../../src/db/migrate.js';
import { ADMIN_DATABASE_URL, currentBackend } from './backend.js';

/**
 * Global set-up of the integration projects: database templates made once per run, which each test file's
 * fresh database is copied from (see createTestDatabase).
 *
 * - embedded: a new PGlite data directory costs an initdb of several seconds, paid by a hundred files. The
 *   `blank` template is a closed, freshly created PGlite cluster; `migrated` is the same with every
 *   migration applied. A copy opens as an existing database would.
 * - postgres: `migrated` is a database with every migration applied, cloned with CREATE DATABASE … TEMPLATE.
 *   An unmigrated Postgres database is a plain CREATE DATABASE, which costs nothing worth saving.
 *
 * Only files that start a server in-process take the migrated template (the server would migrate anyway);
 * the CLI, migration and upgrade tests start from an empty database, so migrating a new database stays
 * tested on both backends.
 */
export interface DatabaseTemplates {
  /** An empty PGlite data directory's `pgdata`, or null on Postgres. */
  embeddedBlank: string | null;
  /** `pgdata` with every migration applied, or the name of the migrated Postgres template database. */
  migrated: string;
}

declare module 'vitest' {
  export interface ProvidedContext {
    databaseTemplates: DatabaseTemplates;
  }
}

async function embeddedTemplates(root: string): Promise<DatabaseTemplates> {
  const blank = join(root, 'blank');
  await (await openDatabase({ databaseUrl: null, dataDir: blank, role: 'server' })).close();
  // The blank cluster is copied before migrating, so the migrated template starts from the very same files.
  const migratedDir = join(root, 'migrated');
  cpSync(join(blank, 'pgdata'), join(migratedDir, 'pgdata'), { recursive: true });
  const db = await openDatabase({ databaseUrl: null, dataDir: migratedDir, role: 'server' });
  try {
    await migrate(db, readMigrations(defaultMigrationsDir()));
  } finally {
    await db.close();
  }
  return { embeddedBlank: join(blank, 'pgdata'), migrated: join(migratedDir, 'pgdata') };
}

async function withAdmin<T>(run: (admin: pg.Client) => Promise<T>): Promise<T> {
  const admin = new pg.Client({ connectionString: ADMIN_DATABASE_URL });
  await admin.connect();
  try {
    return await run(admin);
  } finally {
    await admin.end();
  }
}

async function postgresTemplate(name: string): Promise<void> {
  await withAdmin((admin) => admin.query(`CREATE DATABASE ${name}`));
  const url = new URL(ADMIN_DATABASE_URL);
  url.pathname = `/${name}`;
  const db = await openDatabase({ databaseUrl: url.toString(), dataDir: '' });
  try {
    await migrate(db, readMigrations(defaultMigrationsDir()));
  } finally {
    await db.close();
  }
}

export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  if (currentBackend(project.config.env?.LATCHKEY_TEST_BACKEND) === 'embedded') {
    const root = mkdtempSync(join(tmpdir(), 'lk-templates-'));
    project.provide('databaseTemplates', await embeddedTemplates(root));
    return async () => rmSync(root, { recursive: true, force: true });
  }
  const name = `latchkey_template_${randomBytes(6).toString('hex')}`;
  await postgresTemplate(name);
  project.provide('databaseTemplates', { embeddedBlank: null, migrated: name });
  return async () => {
    await withAdmin((admin) => admin.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`));
  };
}
