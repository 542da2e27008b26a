import { createHash } from 'node:crypto';
import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Database } from './database.js';

/** Where the SQL migrations ship: `migrations/` at the package root (from `src/db` or `dist/src/db`). */
export function defaultMigrationsDir(): string {
  let dir = dirname(fileURLToPath(import.meta.url));
  for (let i = 0; i < 5; i += 1) {
    try {
      if (readdirSync(join(dir, 'migrations')).some((f) => f.endsWith('.sql'))) return join(dir, 'migrations');
    } catch { /* keep climbing */ }
    dir = dirname(dir);
  }
  throw new Error('migrations directory not found');
}

export interface Migration {
  version: string;
  name: string;
  sql: string;
  checksum: string;
}

export class MigrationError extends Error {
  override readonly name = 'MigrationError';
}

const FILE_PATTERN = /^(\d{4})_([a-z0-9_]+)\.sql$/;
/** Arbitrary but fixed: every replica and the CLI serialise migrations on this advisory lock. */
const MIGRATION_LOCK_ID = 7_256_001;

/** Reads `NNNN_description.sql` files in order; anything else in the folder is an error, not ignored. */
export function readMigrations(dir: string): Migration[] {
  const files = readdirSync(dir).filter((f) => f.endsWith('.sql')).sort();
  return files.map((file) => {
    const match = FILE_PATTERN.exec(file);
    if (!match) throw new MigrationError(`migration file name "${file}" does not match NNNN_description.sql`);
    const sql = readFileSync(join(dir, file), 'utf8');
    return { version: match[1]!, name: match[2]!, sql, checksum: createHash('sha256').update(sql).digest('hex') };
  });
}

export interface MigrationReport {
  applied: string[];
  alreadyApplied: number;
}

/**
 * Applies pending migrations in one transaction under an advisory lock, so concurrent replicas and CLI
 * runs apply each file exactly once. Refuses to run when a file already applied was edited (its checksum
 * changed) or when the database holds a migration this version does not know (code older than schema).
 */
export async function migrate(db: Database, migrations: readonly Migration[], onApply?: (m: Migration) => void): Promise<MigrationReport> {
  return db.transaction(async (tx) => {
    await tx.query('SELECT pg_advisory_xact_lock($1)', [MIGRATION_LOCK_ID]);
    await tx.query(`CREATE TABLE IF NOT EXISTS schema_migrations (
      version text PRIMARY KEY, name text NOT NULL, checksum text NOT NULL, applied_at timestamptz NOT NULL DEFAULT now())`);
    const { rows } = await tx.query<{ version: string; name: string; checksum: string }>('SELECT version, name, checksum FROM schema_migrations ORDER BY version');
    const known = new Map(migrations.map((m) => [m.version, m]));
    for (const row of rows) {
      const file = known.get(row.version);
      if (!file) throw new MigrationError(`the database has migration ${row.version}_${row.name}, which this version of Latchkey does not know; upgrade Latchkey`);
      if (file.checksum !== row.checksum) {
        throw new MigrationError(`migration ${row.version}_${row.name}.sql was edited after it was applied; restore it and add a new migration instead`);
      }
    }
    const done = new Set(rows.map((r) => r.version));
    const applied: string[] = [];
    for (const migration of migrations) {
      if (done.has(migration.version)) continue;
      onApply?.(migration);
      await tx.query(migration.sql);
      await tx.query('INSERT INTO schema_migrations (version, name, checksum) VALUES ($1, $2, $3)', [migration.version, migration.name, migration.checksum]);
      applied.push(`${migration.version}_${migration.name}`);
    }
    return { applied, alreadyApplied: rows.length };
  });
}

/** True when every known migration is applied (for `/readyz`). */
export async function migrationsApplied(db: Database, migrations: readonly Migration[]): Promise<boolean> {
  try {
    const { rows } = await db.query<{ n: number }>('SELECT count(*)::int AS n FROM schema_migrations');
    return rows[0]?.n === migrations.length;
  } catch {
    return false;
  }
}
