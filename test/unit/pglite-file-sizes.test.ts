import fs, { mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PGlite } from '@electric-sql/pglite';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { rememberFileSizes, type EmscriptenFs } from '../../src/db/pglite-file-sizes.js';

/**
 * The embedded database's file sizes carried in memory (db/pglite-file-sizes.ts): Postgres must see exactly the
 * sizes on disk while its relations grow, shrink and are truncated, or it would extend a relation over its own
 * pages; and the seeks that ask a size must stop asking the operating system.
 */
describe('remembered file sizes of the embedded database', () => {
  const dir = mkdtempSync(join(tmpdir(), 'lk-file-sizes-'));
  const pgdata = join(dir, 'pgdata');
  let db: PGlite;

  beforeAll(async () => {
    db = await PGlite.create(pgdata);
    expect(rememberFileSizes(db.Module.FS)).toBe(true);
  }, 120_000);
  afterAll(async () => {
    await db?.close().catch(() => {});
    rmSync(dir, { recursive: true, force: true });
  });

  /** What Postgres believes each relation's main fork holds, against the file's size on disk. */
  async function sizesOf(tables: readonly string[]): Promise<{ believed: number; onDisk: number }[]> {
    const out: { believed: number; onDisk: number }[] = [];
    for (const table of tables) {
      const { rows } = await db.query<{ size: number; path: string }>(`SELECT pg_relation_size($1::regclass)::int AS size, pg_relation_filepath($1::regclass) AS path`, [table]);
      out.push({ believed: rows[0]!.size, onDisk: statSync(join(pgdata, rows[0]!.path)).size });
    }
    return out;
  }

  it('tells Postgres the sizes on disk as tables grow, are vacuumed shorter and truncated, and keeps every row', async () => {
    await db.exec('CREATE TABLE grow (id int PRIMARY KEY, pad text)');
    await db.exec(`INSERT INTO grow SELECT g, repeat('x', 500) FROM generate_series(1, 5000) g`);
    for (const size of await sizesOf(['grow', 'grow_pkey'])) expect(size.believed).toBe(size.onDisk);
    expect((await sizesOf(['grow']))[0]!.believed).toBeGreaterThan(300 * 8192);

    // VACUUM gives back the empty pages at the end (a truncation through setattr).
    await db.exec('DELETE FROM grow WHERE id > 1000');
    await db.exec('VACUUM grow');
    const [vacuumed] = await sizesOf(['grow']);
    expect(vacuumed!.believed).toBe(vacuumed!.onDisk);
    expect(vacuumed!.believed).toBeLessThan(150 * 8192);

    // TRUNCATE gives the table new files; inserting again extends them.
    await db.exec('TRUNCATE grow');
    await db.exec(`INSERT INTO grow SELECT g, repeat('y', 500) FROM generate_series(1, 2000) g`);
    for (const size of await sizesOf(['grow', 'grow_pkey'])) expect(size.believed).toBe(size.onDisk);
    const { rows } = await db.query<{ n: number; ys: number }>(`SELECT count(*)::int AS n, count(*) FILTER (WHERE pad LIKE 'y%')::int AS ys FROM grow`);
    expect(rows[0]).toEqual({ n: 2000, ys: 2000 });
  });

  it('answers the seeks of repeated statements without asking the operating system for a size', async () => {
    await db.exec('CREATE TABLE IF NOT EXISTS quiet (id int PRIMARY KEY)');
    await db.query('SELECT count(*) FROM quiet WHERE id = $1', [1]);
    const fstatSync = fs.fstatSync;
    let asked = 0;
    fs.fstatSync = ((...args: Parameters<typeof fstatSync>) => {
      asked++;
      return fstatSync(...args);
    }) as typeof fstatSync;
    try {
      // Each statement is planned anew, and planning reads the table's and its index's sizes.
      for (let i = 0; i < 50; i++) await db.query('SELECT count(*) FROM quiet WHERE id = $1', [i]);
    } finally {
      fs.fstatSync = fstatSync;
    }
    expect(asked).toBe(0);
  });

  it('keeps the data across a restart without the remembered sizes', async () => {
    await db.close();
    db = await PGlite.create(pgdata);
    const { rows } = await db.query<{ n: number }>('SELECT count(*)::int AS n FROM grow');
    expect(rows[0]!.n).toBe(2000);
    const check = await db.query<{ ok: boolean }>(`SELECT bool_and(id BETWEEN 1 AND 2000) AS ok FROM grow`);
    expect(check.rows[0]!.ok).toBe(true);
  }, 120_000);

  it('asks the size again after a write that failed, which may have grown the file by part of it', () => {
    // A stand-in NODEFS over one file whose size the test controls: what the operating system would say.
    let onDisk = 8192;
    let asked = 0;
    const node = { mode: 0o100600 };
    const stream = { node };
    const streamOps: Record<string, unknown> = {
      llseek: (_stream: unknown, offset: number, whence: number) => { asked++; return whence === 2 ? offset + onDisk : offset; },
      write: (_stream: unknown, _buffer: Uint8Array, _offset: number, length: number, position: number) => {
        if (length > 4096) {
          onDisk = position + 4096; // half of it reached the disk before the disk was full
          throw new Error('ENOSPC');
        }
        onDisk = Math.max(onDisk, position + length);
        return length;
      },
      setattr: () => {},
      open: () => {},
    };
    const fake: EmscriptenFs = { isFile: () => true, filesystems: { NODEFS: { stream_ops: streamOps, node_ops: { setattr: () => {} } } } };
    expect(rememberFileSizes(fake)).toBe(true);
    const seekEnd = () => (streamOps.llseek as (s: unknown, o: number, w: number) => number)(stream, 0, 2);
    const write = (position: number, length: number) => (streamOps.write as (s: unknown, b: Uint8Array, o: number, l: number, p: number) => number)(stream, new Uint8Array(length), 0, length, position);

    expect(seekEnd()).toBe(8192);
    write(8192, 4096);
    expect(seekEnd()).toBe(12288);
    expect(asked).toBe(1);
    expect(() => write(12288, 8192)).toThrow('ENOSPC');
    expect(seekEnd()).toBe(16384);
    expect(asked).toBe(2);
  });

  it('changes nothing for a file system without the operations it relies on', () => {
    const streamOps = { llseek: () => 0 };
    const fake: EmscriptenFs = { isFile: () => true, filesystems: { NODEFS: { stream_ops: streamOps, node_ops: {} } } };
    expect(rememberFileSizes(fake)).toBe(false);
    expect(Object.keys(streamOps)).toEqual(['llseek']);
    expect(rememberFileSizes({ isFile: () => true, filesystems: {} })).toBe(false);
    expect(rememberFileSizes(undefined)).toBe(false);
  });
});
