import { cpSync, mkdtempSync, writeFileSync, appendFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Database } from '../../src/db/database.js';
import { defaultMigrationsDir, migrate, migrationsApplied, migrationStatus, readMigrations, MigrationError } from '../../src/db/migrate.js';
import { openDatabase } from '../../src/db/open-database.js';
import { createTestDatabase, currentBackend, type TestDatabase } from '../support/backend.js';

describe(`migration runner (${currentBackend()})`, () => {
  let database: TestDatabase;
  let db: Database;

  beforeAll(async () => {
    database = await createTestDatabase();
    db = await openDatabase({ databaseUrl: database.env.DATABASE_URL ?? null, dataDir: database.env.LATCHKEY_DATA_DIR ?? '' });
  });
  afterAll(async () => {
    await db?.close();
    await database?.drop();
  });

  it('applies every migration once, even when several runners race', async () => {
    const migrations = readMigrations(defaultMigrationsDir());
    expect(await migrationsApplied(db, migrations)).toBe(false);
    const reports = await Promise.all([migrate(db, migrations), migrate(db, migrations), migrate(db, migrations)]);
    expect(reports.map((r) => r.applied.length).sort()).toEqual([0, 0, migrations.length]);
    expect(await migrationsApplied(db, migrations)).toBe(true);
    const { rows } = await db.query<{ n: number }>('SELECT count(*)::int AS n FROM schema_migrations');
    expect(rows[0]!.n).toBe(migrations.length);
  });

  it('applies to a database that already holds data, keeping it', async () => {
    await db.query(`INSERT INTO users (email, email_normalized, status) VALUES ('kept@example.com', 'kept@example.com', 'confirmed')`);
    const report = await migrate(db, readMigrations(defaultMigrationsDir()));
    expect(report.applied).toEqual([]);
    expect((await db.query('SELECT email FROM users')).rows).toEqual([{ email: 'kept@example.com' }]);
  });

  it('refuses to run when a landed migration was edited', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'lk-mig-'));
    cpSync(defaultMigrationsDir(), dir, { recursive: true });
    appendFileSync(join(dir, '0001_user_directory.sql'), '\n-- edited\n');
    await expect(migrate(db, readMigrations(dir))).rejects.toThrow(/0001_user_directory.sql was edited/);
    await expect(migrationStatus(db, readMigrations(dir))).rejects.toBeInstanceOf(MigrationError);
  });

  it('accepts a database newer than the code: applies nothing, reports the newer migration, stays ready', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'lk-mig-'));
    cpSync(defaultMigrationsDir(), dir, { recursive: true });
    writeFileSync(join(dir, '9990_newer_table.sql'), 'CREATE TABLE from_a_newer_release (id int);');
    expect((await migrate(db, readMigrations(dir))).applied).toEqual(['9990_newer_table']);

    const shipped = readMigrations(defaultMigrationsDir());
    const report = await migrate(db, shipped);
    expect(report).toEqual({ applied: [], alreadyApplied: shipped.length + 1, newer: ['9990_newer_table'] });
    expect(await migrationStatus(db, shipped)).toEqual({ pending: [], newer: ['9990_newer_table'] });
    expect(await migrationsApplied(db, shipped)).toBe(true);
    // An older build (fewer files) is just as happy: every migration it ships is applied.
    expect((await migrate(db, shipped.slice(0, 1))).applied).toEqual([]);
  });

  it('reports pending migrations without changing the database, and readiness counts only this build\'s migrations', async () => {
    const fresh = await createTestDatabase();
    const other = await openDatabase({ databaseUrl: fresh.env.DATABASE_URL ?? null, dataDir: fresh.env.LATCHKEY_DATA_DIR ?? '' });
    try {
      const shipped = readMigrations(defaultMigrationsDir());
      // Nothing applied yet: no schema_migrations table, and reading the status does not create one.
      expect((await migrationStatus(other, shipped)).pending.map((m) => m.version)).toEqual(shipped.map((m) => m.version));
      const { rows: tables } = await other.query<{ n: number }>(`SELECT count(*)::int AS n FROM information_schema.tables WHERE table_name = 'schema_migrations'`);
      expect(tables[0]!.n).toBe(0);

      await migrate(other, shipped.slice(0, -1));
      const last = shipped.at(-1)!;
      expect(await migrationStatus(other, shipped)).toEqual({ pending: [last], newer: [] });
      expect(await migrationsApplied(other, shipped)).toBe(false);
      expect(await migrationsApplied(other, shipped.slice(0, -1))).toBe(true);
    } finally {
      await other.close();
      await fresh.drop();
    }
  });

  it('rolls back a failing migration completely', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'lk-mig-'));
    cpSync(defaultMigrationsDir(), dir, { recursive: true });
    writeFileSync(join(dir, '9998_good_part.sql'), 'CREATE TABLE half_done (id int);');
    writeFileSync(join(dir, '9999_broken.sql'), 'CREATE TABLE also_half (id int); SELECT * FROM no_such_table;');
    await expect(migrate(db, readMigrations(dir))).rejects.toThrow(/no_such_table/);
    const { rows } = await db.query<{ n: number }>(`SELECT count(*)::int AS n FROM information_schema.tables WHERE table_name IN ('half_done', 'also_half')`);
    expect(rows[0]!.n).toBe(0);
  });

  it('refuses badly named migration files', () => {
    const dir = mkdtempSync(join(tmpdir(), 'lk-mig-'));
    writeFileSync(join(dir, 'add-things.sql'), 'SELECT 1');
    expect(() => readMigrations(dir)).toThrow(/NNNN_description/);
  });
});
