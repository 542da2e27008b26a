import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createPoolDatabase, type Database } from '../../src/db/database.js';
import { openDatabase } from '../../src/db/open-database.js';
import { createTestDatabase, currentBackend, type TestDatabase } from '../support/backend.js';

const backend = currentBackend();
const open = (database: TestDatabase, options: { maxConnections: number; preparedStatements?: boolean }) =>
  openDatabase({ databaseUrl: database.env.DATABASE_URL ?? null, dataDir: database.env.LATCHKEY_DATA_DIR ?? '', ...options });
/** The session's prepared statements (a text without parameters, so this query is never prepared itself). */
const preparedOn = async (db: Database) =>
  (await db.query<{ name: string; statement: string }>(`SELECT name, statement FROM pg_prepared_statements WHERE name LIKE 'lk\\_%' ORDER BY name`)).rows;

describe(`prepared statements (${backend})`, () => {
  let database: TestDatabase;
  let db: Database;
  const opened: Database[] = [];

  beforeAll(async () => {
    database = await createTestDatabase();
    // The embedded data directory opens once: a second open would wait for the first one's lock.
    db = await open(database, { maxConnections: 4 });
    opened.push(db);
  });
  afterAll(async () => {
    for (const db of opened) await db.close();
    await database?.drop();
  });

  it('runs one parameterized statement on many connections at once, with every answer its own', async () => {
    const answers = await Promise.all(Array.from({ length: 40 }, (_, i) => db.query<{ n: number }>('SELECT $1::int + 1 AS n', [i])));
    expect(answers.map((a) => a.rows[0]!.n)).toEqual(Array.from({ length: 40 }, (_, i) => i + 1));
  });

  if (backend === 'embedded') {
    it('prepares nothing on the embedded database, whose connections share one session', async () => {
      await db.query('SELECT $1::int * 2 AS n', [1]);
      expect(await preparedOn(db)).toEqual([]);
    });
    return;
  }

  it('prepares a parameterized statement once on a connection and reuses it', async () => {
    const db = await open(database, { maxConnections: 1 });
    opened.push(db);
    for (let i = 0; i < 3; i += 1) expect((await db.query<{ n: number }>('SELECT $1::int * 2 AS n', [i])).rows).toEqual([{ n: i * 2 }]);
    await db.transaction((tx) => tx.query('SELECT $1::int * 2 AS n', [7]));
    const prepared = await preparedOn(db);
    expect(prepared).toHaveLength(1);
    expect(prepared[0]!.statement).toBe('SELECT $1::int * 2 AS n');
  });

  it('renews a plan made while a table was young: a lookup planned on 3 rows scans 20,000 until renewal, then uses the index', async () => {
    const db = createPoolDatabase({ connectionString: database.env.DATABASE_URL!, max: 1 }, 'postgres', { replanAfterMs: 500 });
    opened.push(db);
    await db.query('CREATE TABLE young (id int PRIMARY KEY, v text)');
    await db.query("INSERT INTO young SELECT i, 'v' || i FROM generate_series(1, 3) i");
    await db.query('ANALYZE young');
    const lookup = 'SELECT v FROM young WHERE id = $1';
    for (let i = 0; i < 8; i += 1) await db.query(lookup, [1]);
    const { name } = (await preparedOn(db)).find((p) => p.statement === lookup)!;
    const plan = async () => (await db.query<{ 'QUERY PLAN': string }>(`EXPLAIN EXECUTE ${name}(2)`)).rows.map((r) => r['QUERY PLAN']).join('\n');
    expect(await plan()).toMatch(/Seq Scan on young/);
    // Grown without an ANALYZE (autovacuum's is up to a minute away): the kept plan still scans everything.
    await db.query("INSERT INTO young SELECT i, 'v' || i FROM generate_series(4, 20000) i");
    expect(await plan()).toMatch(/Seq Scan on young/);
    await new Promise((resolve) => setTimeout(resolve, 600));
    expect((await db.query(lookup, [2])).rows).toEqual([{ v: 'v2' }]);
    expect(await plan()).toMatch(/Index Scan using young_pkey/);
  });

  it('fails a statement whose session the server ends with that error, without an uncaught one, and runs the next on a new session', async () => {
    const db = await open(database, { maxConnections: 1 });
    const other = await open(database, { maxConnections: 1, preparedStatements: false });
    opened.push(db, other);
    const pid = async () => (await db.query<{ pid: number }>('SELECT pg_backend_pid() AS pid WHERE $1::int = 1', [1])).rows[0]!.pid;
    const first = await pid();
    // The outcome is settled into a value at once: the statement may fail while the terminating query is
    // still awaited, and a rejection nobody handles yet is reported as an unhandled error.
    const sleeping = db.query('SELECT pg_sleep($1::int)', [5]).then(() => undefined, (error: unknown) => error);
    await new Promise((resolve) => setTimeout(resolve, 200));
    await other.query('SELECT pg_terminate_backend($1::int)', [first]);
    const failure = await sleeping;
    expect(failure).toBeInstanceOf(Error);
    expect((failure as Error).message).toMatch(/terminat/i);
    const second = await pid();
    expect(second).not.toBe(first);
  });

  it('prepares nothing when turned off', async () => {
    const db = await open(database, { maxConnections: 1, preparedStatements: false });
    opened.push(db);
    await db.query('SELECT $1::int * 3 AS n', [1]);
    expect(await preparedOn(db)).toEqual([]);
  });

  it('heals a plan that a migration by another replica outdated: the next query reads the new table', async () => {
    const db = await open(database, { maxConnections: 1 });
    const other = await open(database, { maxConnections: 1, preparedStatements: false });
    opened.push(db, other);
    await other.query('CREATE TABLE replica_upgrade (a int)');
    await other.query('INSERT INTO replica_upgrade VALUES (1)');
    const read = 'SELECT * FROM replica_upgrade WHERE a = $1';
    expect((await db.query(read, [1])).rows).toEqual([{ a: 1 }]);
    await other.query('ALTER TABLE replica_upgrade ADD COLUMN b text DEFAULT \'new\'');
    // Outside a transaction the statement runs again unnamed at once.
    expect((await db.query(read, [1])).rows).toEqual([{ a: 1, b: 'new' }]);
    await other.query('ALTER TABLE replica_upgrade ADD COLUMN c int DEFAULT 3');
    expect((await db.transaction((tx) => tx.query(read, [1]))).rows).toEqual([{ a: 1, b: 'new', c: 3 }]);
  });
});
