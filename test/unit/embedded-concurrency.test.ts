import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openDatabase } from '../../src/db/open-database.js';
import type { Database } from '../../src/db/database.js';

/**
 * PGlite is one backend session; the embedded database serves it to several connections through one
 * socket. Statements from different connections must never interleave inside one extended-protocol
 * exchange (Parse/Bind/Execute/Sync) or inside a transaction, or a query gets another's result.
 */
describe('the embedded database under concurrent connections', () => {
  const dir = mkdtempSync(join(tmpdir(), 'lk-embedded-'));
  let db: Database | undefined;
  // Creating the embedded database (initdb in WebAssembly) takes seconds, many on a busy machine: it is set-up,
  // not part of what the tests time.
  beforeAll(async () => {
    db = await openDatabase({ databaseUrl: null, dataDir: dir, role: 'server' });
  }, 120_000);
  afterAll(async () => {
    await db?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('answers each of 200 concurrent parameterized queries, from several pooled connections, with its own result', async () => {
    const answers = await Promise.all(Array.from({ length: 200 }, async (_, i) => {
      const { rows } = await db!.query<{ n: number; label: string }>('SELECT $1::int AS n, $2::text AS label', [i, `q${i}`]);
      return rows[0];
    }));
    answers.forEach((row, i) => expect(row).toEqual({ n: i, label: `q${i}` }));
  });

  it('keeps a transaction\'s statements apart from other connections\' queries running at the same time', async () => {
    await db!.query('CREATE TABLE IF NOT EXISTS probe (id int PRIMARY KEY)');
    const inside = db!.transaction(async (tx) => {
      await tx.query('INSERT INTO probe (id) VALUES (1)');
      await new Promise((resolve) => setTimeout(resolve, 50));
      return (await tx.query<{ n: number }>('SELECT count(*)::int AS n FROM probe')).rows[0]!.n;
    });
    const outside = Promise.all(Array.from({ length: 20 }, (_, i) => db!.query<{ n: number }>('SELECT $1::int AS n', [i])));
    expect(await inside).toBe(1);
    (await outside).forEach((result, i) => expect(result.rows[0]!.n).toBe(i));
  });

  it('hands the session on when a connection goes away inside its transaction, rolling that transaction back', async () => {
    // A second client on the server's socket (as a CLI command attaches) opens a transaction and vanishes.
    const client = new pg.Client({ host: dir, port: 5432, user: 'postgres', database: 'postgres' });
    await client.connect();
    await client.query('BEGIN');
    await client.query('INSERT INTO probe (id) VALUES (2)');
    client.on('error', () => {}); // the abrupt end is the point
    (client as unknown as { connection: { stream: { destroy(): void } } }).connection.stream.destroy();
    const { rows } = await db!.query<{ ids: number[] }>('SELECT array_agg(id ORDER BY id) AS ids FROM probe');
    expect(rows[0]!.ids).toEqual([1]);
  });
});
