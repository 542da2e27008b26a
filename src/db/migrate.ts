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
  /** The files this run applied, as `NNNN_name`. */
  applied: string[];
  /** How many migrations the database held before this run (this build's and newer ones). */
  alreadyApplied: number;
  /** Migrations in the database that this build does not ship: a newer Latchkey applied them. */
  newer: string[];
}

interface AppliedRow {
  version: string;
  name: string;
  checksum: string;
}

/** Where this build's migrations stand against a database's `schema_migrations`. */
export interface MigrationStatus {
  /** This build's migrations that the database lacks, in order. */
  pending: Migration[];
  /** Applied migrations this build does not know (`NNNN_name`): the schema is newer, which is fine. */
  newer: string[];
}

/**
 * Compares this build's migrations with what the database recorded. A newer schema is accepted: migrations
 * are additive (expand now, contract in a later release), so an older replica keeps working while a newer
 * one, or a newer CLI, has already migrated. An applied file whose content changed is refused, because the
 * database then holds something other than what the file says.
 */
function compare(rows: readonly AppliedRow[], migrations: readonly Migration[]): MigrationStatus {
  const known = new Map(migrations.map((m) => [m.version, m]));
  const newer: string[] = [];
  for (const row of rows) {
    const file = known.get(row.version);
    if (!file) {
      newer.push(`${row.version}_${row.name}`);
    } else if (file.checksum !== row.checksum) {
      throw new MigrationError(`migration ${row.version}_${row.name}.sql was edited after it was applied; restore it and add a new migration instead`);
    }
  }
  const done = new Set(rows.map((r) => r.version));
  return { pending: migrations.filter((m) => !done.has(m.version)), newer };
}

/**
 * Applies this build's pending migrations in one transaction under an advisory lock, so concurrent replicas
 * and CLI runs apply each file exactly once. Migrations a newer Latchkey applied are left alone and reported
 * in `newer` (rolling upgrades: the old code keeps running on the expanded schema). Refuses to run when a
 * file already applied was edited (its checksum changed).
 */
export async function migrate(db: Database, migrations: readonly Migration[], onApply?: (m: Migration) => void): Promise<MigrationReport> {
  return db.transaction(async (tx) => {
    await tx.query('SELECT pg_advisory_xact_lock($1)', [MIGRATION_LOCK_ID]);
    await tx.query(`CREATE TABLE IF NOT EXISTS schema_migrations (
      version text PRIMARY KEY, name text NOT NULL, checksum text NOT NULL, applied_at timestamptz NOT NULL DEFAULT now())`);
    const { rows } = await tx.query<AppliedRow>('SELECT version, name, checksum FROM schema_migrations ORDER BY version');
    const { pending, newer } = compare(rows, migrations);
    const applied: string[] = [];
    for (const migration of pending) {
      onApply?.(migration);
      await tx.query(migration.sql);
      await tx.query('INSERT INTO schema_migrations (version, name, checksum) VALUES ($1, $2, $3)', [migration.version, migration.name, migration.checksum]);
      applied.push(`${migration.version}_${migration.name}`);
    }
    return { applied, alreadyApplied: rows.length, newer };
  });
}

/** Postgres' `undefined_table`: `schema_migrations` does not exist yet, so nothing was ever applied. */
const UNDEFINED_TABLE = '42P01';

/**
 * Reads where the database stands without changing anything (no table is created, no lock is taken): what
 * commands other than `migrate` and `serve` use to refuse to run on a schema older than this build needs.
 * Throws MigrationError when an applied file was edited.
 */
export async function migrationStatus(db: Database, migrations: readonly Migration[]): Promise<MigrationStatus> {
  let rows: AppliedRow[];
  try {
    rows = (await db.query<AppliedRow>('SELECT version, name, checksum FROM schema_migrations ORDER BY version')).rows;
  } catch (error) {
    if ((error as { code?: unknown } | null)?.code !== UNDEFINED_TABLE) throw error;
    rows = [];
  }
  return compare(rows, migrations);
}

/**
 * True when the database answers and holds every migration this build ships; more (from a newer replica)
 * is fine. For `/readyz`: a replica must stay in rotation while a newer one rolls out.
 */
export async function migrationsApplied(db: Database, migrations: readonly Migration[]): Promise<boolean> {
  try {
    const { rows } = await db.query<{ n: number }>('SELECT count(*)::int AS n FROM schema_migrations WHERE version = ANY($1::text[])', [migrations.map((m) => m.version)]);
    return rows[0]?.n === migrations.length;
  } catch {
    return false;
  }
}
