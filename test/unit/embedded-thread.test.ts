import { mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { EmbeddedDatabaseError, openEmbeddedDatabase } from '../../src/db/embedded.js';
import type { Database } from '../../src/db/database.js';

const cpuMicros = (usage: NodeJS.CpuUsage) => usage.user + usage.system;

/**
 * PGlite runs on a thread of its own: Postgres's work (WebAssembly, CPU-bound) must not run between the
 * HTTP server's callbacks on the main thread, and a failure to start on that thread must reach the caller
 * as a clear error, with the data directory free again.
 */
describe('the embedded database thread', () => {
  const dir = mkdtempSync(join(tmpdir(), 'lk-thread-'));
  let db: Database | undefined;
  // Creating the database (initdb in WebAssembly) takes seconds: set-up, not part of the tests.
  beforeAll(async () => {
    db = await openEmbeddedDatabase({ dataDir: dir, role: 'server' });
  }, 120_000);
  afterAll(async () => {
    await db?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('spends a query\'s CPU off the main thread', async () => {
    const processBefore = process.cpuUsage();
    const mainBefore = process.threadCpuUsage();
    const { rows } = await db!.query<{ n: number }>('SELECT count(*)::int AS n FROM generate_series(1, 1000000)');
    const processCpu = cpuMicros(process.cpuUsage(processBefore));
    const mainCpu = cpuMicros(process.threadCpuUsage(mainBefore));
    expect(rows[0]!.n).toBe(1_000_000);
    // On the main thread, Postgres's work would be nearly all of the process's CPU for the query.
    expect(mainCpu).toBeLessThan(processCpu / 2);
  });

  it('reports what Postgres said when it cannot start, and leaves the directory free', async () => {
    const broken = mkdtempSync(join(tmpdir(), 'lk-thread-broken-'));
    try {
      // A data directory that looks like a database (PG_VERSION) but has none of its files.
      mkdirSync(join(broken, 'pgdata'));
      writeFileSync(join(broken, 'pgdata', 'PG_VERSION'), '18\n');
      const open = () => openEmbeddedDatabase({ dataDir: broken, role: 'server', lockTimeoutMs: 0 });
      const failure = await open().then(() => null, (error: unknown) => error);
      expect(failure).toBeInstanceOf(EmbeddedDatabaseError);
      expect((failure as Error).message).toMatch(/did not start: .*postgresql\.conf/);
      // Not "busy": the failed start released the directory lock.
      await expect(open()).rejects.toThrow(/did not start/);
    } finally {
      rmSync(broken, { recursive: true, force: true });
    }
  });

  it('creates no database over files that are not one, and deletes none of them', async () => {
    const occupied = mkdtempSync(join(tmpdir(), 'lk-thread-occupied-'));
    try {
      mkdirSync(join(occupied, 'pgdata'));
      writeFileSync(join(occupied, 'pgdata', 'notes.txt'), 'not a database\n');
      await expect(openEmbeddedDatabase({ dataDir: occupied, role: 'server' })).rejects.toThrow(/holds files but no database/);
      expect(readdirSync(join(occupied, 'pgdata'))).toEqual(['notes.txt']);
    } finally {
      rmSync(occupied, { recursive: true, force: true });
    }
  });
});
