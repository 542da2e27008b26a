import { cpSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gunzipSync, gzipSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Database } from '../../src/db/database.js';
import { openEmbeddedDatabase } from '../../src/db/embedded.js';
import { drawInstallationValues, markTemplateValues, MIGRATIONS_DRAWING_INSTALLATION_VALUES } from '../../src/db/installation-values.js';
import { defaultMigrationsDir, migrate, readMigrations } from '../../src/db/migrate.js';
import { restoreTemplate, templateKey, templateMatches, writeTemplate } from '../../src/db/pglite-template.js';
import { createPGliteDatabase, startPGliteThread } from '../../src/db/pglite-thread.js';
import pg from 'pg';

/**
 * The embedded database's template: initdb's cluster packed once (at build time) and unpacked at a first
 * start. What comes out must be a database PGlite opens and migrates, owner-only; a template of another
 * PGlite, or a damaged or planted one, must never be unpacked.
 */
describe('the embedded database template', () => {
  const dir = mkdtempSync(join(tmpdir(), 'lk-template-'));
  const template = join(dir, 'template.gz');
  let db: Database | undefined;

  // initdb in WebAssembly takes seconds: set-up, not part of the tests.
  beforeAll(async () => {
    mkdirSync(join(dir, 'made'));
    expect(await createPGliteDatabase(join(dir, 'made', 'pgdata'), null)).toBe('initdb');
    writeTemplate(join(dir, 'made', 'pgdata'), template);
  }, 120_000);
  afterAll(async () => {
    await db?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('unpacks into a database that opens and migrates, with every file and directory initdb made, owner-only', async () => {
    const dataDir = join(dir, 'restored');
    mkdirSync(dataDir);
    expect(await createPGliteDatabase(join(dataDir, 'pgdata'), template)).toBe('template');
    const listing = (root: string): string[] => readdirSync(root, { recursive: true, encoding: 'utf8' }).sort();
    expect(listing(join(dataDir, 'pgdata'))).toEqual(listing(join(dir, 'made', 'pgdata')));
    // Empty directories too: Postgres refuses to start without pg_notify.
    expect(statSync(join(dataDir, 'pgdata', 'pg_notify')).isDirectory()).toBe(true);
    expect(statSync(join(dataDir, 'pgdata', 'base')).mode & 0o777).toBe(0o700);
    expect(statSync(join(dataDir, 'pgdata', 'PG_VERSION')).mode & 0o777).toBe(0o600);
    db = await openEmbeddedDatabase({ dataDir, role: 'server' });
    const report = await migrate(db, readMigrations(defaultMigrationsDir()));
    expect(report.applied.length).toBeGreaterThan(0);
    expect((await db.query<{ n: number }>('SELECT count(*)::int AS n FROM users')).rows[0]!.n).toBe(0);
  }, 120_000);

  it('is not used for another PGlite, other initdb parameters or other migrations, nor over an existing directory', () => {
    expect(templateMatches(template)).toBe(true);
    const data = gunzipSync(readFileSync(template));
    const end = data.indexOf(10);
    const header = JSON.parse(data.subarray(0, end).toString('utf8')) as { key: string };
    expect(header.key).toBe(templateKey());
    const other = join(dir, 'other.gz');
    writeFileSync(other, gzipSync(Buffer.concat([Buffer.from(`${JSON.stringify({ ...header, key: header.key.replace(/"pglite":"[^"]+"/, '"pglite":"0.0.1"') })}\n`), data.subarray(end + 1)])));
    expect(templateMatches(other)).toBe(false);
    const otherMigrations = join(dir, 'other-migrations.gz');
    writeFileSync(otherMigrations, gzipSync(Buffer.concat([Buffer.from(`${JSON.stringify({ ...header, key: header.key.replace(/"migrations":"[0-9a-f]+"/, `"migrations":"${'0'.repeat(64)}"`) })}\n`), data.subarray(end + 1)])));
    expect(templateMatches(otherMigrations)).toBe(false);
    expect(restoreTemplate(other, join(dir, 'mismatch'))).toBe(false);
    expect(existsSync(join(dir, 'mismatch'))).toBe(false);
    expect(restoreTemplate(join(dir, 'absent.gz'), join(dir, 'absent'))).toBe(false);
    mkdirSync(join(dir, 'existing'));
    expect(restoreTemplate(template, join(dir, 'existing'))).toBe(false);
    expect(readdirSync(join(dir, 'existing'))).toEqual([]);
  });

  it('refuses a template whose paths leave the new directory, or whose sizes do not add up, writing nothing outside', () => {
    mkdirSync(join(dir, 'planted'));
    const header = `${JSON.stringify({ format: 1, key: templateKey(), files: 1 })}\n`;
    const cases = {
      parent: Buffer.concat([Buffer.from(header), Buffer.from('../escaped\u00005\u0000'), Buffer.from('hello')]),
      absolute: Buffer.concat([Buffer.from(header), Buffer.from('/tmp/escaped\u00005\u0000'), Buffer.from('hello')]),
      truncated: Buffer.concat([Buffer.from(header), Buffer.from('PG_VERSION\u0000999\u0000'), Buffer.from('15')]),
      'not a size': Buffer.concat([Buffer.from(header), Buffer.from('PG_VERSION\u00001e3\u0000'), Buffer.from('15')]),
    };
    for (const [name, bytes] of Object.entries(cases)) {
      const file = join(dir, `${name}.gz`);
      writeFileSync(file, gzipSync(bytes));
      expect(() => restoreTemplate(file, join(dir, 'planted', 'pgdata')), name).toThrow(/template .* is damaged: build Latchkey again/);
      expect(existsSync(join(dir, 'planted', 'pgdata.creating')), name).toBe(false);
      expect(existsSync(join(dir, 'planted', 'pgdata')), name).toBe(false);
    }
    expect(existsSync(join(dir, 'planted', 'escaped'))).toBe(false);
  });

  it('is unpacked by the database thread itself, which then serves it; a damaged one fails the start with the reason', async () => {
    const dataDir = join(dir, 'thread');
    mkdirSync(dataDir);
    const socketPath = join(dataDir, '.s.PGSQL.5432');
    const lost: Error[] = [];
    const thread = await startPGliteThread({ pgdata: join(dataDir, 'pgdata'), socketPath, maxConnections: 2, onLost: (error) => lost.push(error), restoreFrom: template });
    const client = new pg.Client({ host: dataDir, port: 5432, user: 'postgres', database: 'postgres' });
    try {
      await client.connect();
      expect((await client.query<{ one: number }>('SELECT 1 AS one')).rows).toEqual([{ one: 1 }]);
    } finally {
      await client.end();
      await thread.stop();
    }
    expect(statSync(join(dataDir, 'pgdata', 'PG_VERSION')).mode & 0o777).toBe(0o600);
    expect(lost).toEqual([]);

    const damaged = join(dir, 'damaged.gz');
    writeFileSync(damaged, gzipSync(Buffer.from(`${JSON.stringify({ format: 1, key: templateKey(), files: 1 })}\n../escaped\u00001\u0000x`)));
    await expect(startPGliteThread({ pgdata: join(dir, 'damaged', 'pgdata'), socketPath: join(dir, 'damaged.sock'), maxConnections: 1, onLost: (error) => lost.push(error), restoreFrom: damaged }))
      .rejects.toThrow(/template .* is damaged: build Latchkey again/);
    expect(existsSync(join(dir, 'damaged', 'pgdata'))).toBe(false);
    expect(lost).toEqual([]);
  }, 60_000);

  it('built with the migrations, as the build makes it: each database from it opens migrated, with pool identifiers of its own', async () => {
    // What build-pglite-template.ts does, from this file's initdb cluster.
    const building = join(dir, 'building');
    cpSync(join(dir, 'made', 'pgdata'), join(building, 'pgdata'), { recursive: true });
    const builder = await openEmbeddedDatabase({ dataDir: building, role: 'server' });
    try {
      await migrate(builder, readMigrations(defaultMigrationsDir()));
      await markTemplateValues(builder);
    } finally {
      await builder.close();
    }
    const migratedTemplate = join(dir, 'migrated.gz');
    writeTemplate(join(building, 'pgdata'), migratedTemplate);

    const identifiers: { user_pool_id_suffix: string; identity_pool_uuid: string }[] = [];
    for (const name of ['first', 'second']) {
      const dataDir = join(dir, `installation-${name}`);
      mkdirSync(dataDir);
      expect(await createPGliteDatabase(join(dataDir, 'pgdata'), migratedTemplate)).toBe('template');
      const installation = await openEmbeddedDatabase({ dataDir, role: 'server' });
      try {
        expect((await migrate(installation, readMigrations(defaultMigrationsDir()))).applied).toEqual([]);
        identifiers.push((await installation.query<{ user_pool_id_suffix: string; identity_pool_uuid: string }>('SELECT user_pool_id_suffix, identity_pool_uuid FROM user_pool_settings')).rows[0]!);
        // Drawn once: a second open keeps them.
        expect(await drawInstallationValues(installation)).toBe(false);
      } finally {
        await installation.close();
      }
    }
    const [first, second] = identifiers;
    expect(first!.user_pool_id_suffix).toMatch(/^[A-Za-z0-9]{9}$/);
    expect(second!.user_pool_id_suffix).toMatch(/^[A-Za-z0-9]{9}$/);
    expect(first!.user_pool_id_suffix).not.toBe(second!.user_pool_id_suffix);
    expect(first!.identity_pool_uuid).not.toBe(second!.identity_pool_uuid);
  }, 120_000);

  it('draws again every value a migration draws for the rows it finds: no other migration draws one', () => {
    // A random value outside CREATE TABLE (a column default applies to rows inserted later) is drawn at migration
    // time, once, into the template: installation-values.ts must draw it again for each installation.
    const drawing = readMigrations(defaultMigrationsDir()).filter((migration) => migration.sql
      .replace(/--[^\n]*/g, '')
      .split(';')
      .some((statement) => /random\(|gen_random_uuid\(/i.test(statement) && !/^\s*CREATE TABLE/i.test(statement)))
      .map((migration) => migration.version);
    expect(drawing).toEqual([...MIGRATIONS_DRAWING_INSTALLATION_VALUES]);
  });
});
