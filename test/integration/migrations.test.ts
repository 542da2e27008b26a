import { cpSync, mkdtempSync, writeFileSync, appendFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Database } from '../../src/db/database.js';
import { defaultMigrationsDir, migrate, migrationsApplied, readMigrations, MigrationError } from '../../src/db/migrate.js';
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

  it('refuses to run when a landed migration was edited, or when the database is newer than the code', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'lk-mig-'));
    cpSync(defaultMigrationsDir(), dir, { recursive: true });
    appendFileSync(join(dir, '0001_user_directory.sql'), '\n-- edited\n');
    await expect(migrate(db, readMigrations(dir))).rejects.toThrow(/0001_user_directory.sql was edited/);

    const older = readMigrations(defaultMigrationsDir()).slice(0, 1);
    await expect(migrate(db, older)).rejects.toBeInstanceOf(MigrationError);
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
