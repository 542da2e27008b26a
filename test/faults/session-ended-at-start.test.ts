import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createPoolDatabase, isDatabaseUnavailable, type Database } from '../../src/db/database.js';
import { createTestDatabase, type TestDatabase } from '../support/backend.js';
import { SessionEndingProxy } from '../support/session-ending-proxy.js';
import { freePort } from '../support/test-server.js';

/**
 * Runs `work` with this process's uncaught exceptions collected instead of reported, so that the test can
 * assert there were none (the runner's own handlers are put back after).
 */
async function collectingUncaught(work: () => Promise<void>): Promise<unknown[]> {
  const uncaught: unknown[] = [];
  const runners = process.listeners('uncaughtException');
  process.removeAllListeners('uncaughtException');
  const collect = (error: unknown) => { uncaught.push(error); };
  process.on('uncaughtException', collect);
  try {
    await work();
    await new Promise((resolve) => setTimeout(resolve, 100)); // a late 'error' from a closing socket
  } finally {
    process.removeListener('uncaughtException', collect);
    for (const listener of runners) process.on('uncaughtException', listener);
  }
  return uncaught;
}

/**
 * A session that Postgres ends right after start-up (it was shutting down) reaches the client in the same
 * read as the ReadyForQuery that completes the connection. The pool hands the new client over while that read
 * is still being parsed, so the FATAL arrives before the statement that asked for the connection could
 * listen. It must fail that statement with the database's own error (a 503 upstream), not crash the process.
 */
describe('a session ended at start-up (postgres)', () => {
  let database: TestDatabase;
  let proxy: SessionEndingProxy;
  let db: Database;

  beforeAll(async () => {
    database = await createTestDatabase('postgres');
    const direct = new URL(database.env.DATABASE_URL!);
    proxy = new SessionEndingProxy(await freePort(), { host: direct.hostname, port: Number(direct.port || 5432) });
    await proxy.start();
    const viaProxy = new URL(direct);
    viaProxy.port = String(proxy.port);
    db = createPoolDatabase({ connectionString: viaProxy.toString(), max: 2 }, 'postgres');
  });
  afterAll(async () => {
    await db?.close();
    await proxy?.cut();
    await database?.drop();
  });

  it('fails the statement and the transaction with 57P01, raises nothing uncaught, and serves on new sessions after', async () => {
    const failures: unknown[] = [];
    const uncaught = await collectingUncaught(async () => {
      failures.push(await db.query('SELECT 1').then(() => null, (error: unknown) => error));
      failures.push(await db.transaction((tx) => tx.query('SELECT 1')).then(() => null, (error: unknown) => error));
    });
    expect(uncaught).toEqual([]);
    expect(proxy.ended).toBe(2);
    for (const failure of failures) {
      expect(failure).toMatchObject({ code: '57P01', message: 'terminating connection due to administrator command' });
      expect(isDatabaseUnavailable(failure)).toBe(true);
    }

    // The ended sessions were discarded, not pooled: the next statements open sessions that work.
    proxy.armed = false;
    expect((await db.query<{ n: number }>('SELECT 1 AS n')).rows).toEqual([{ n: 1 }]);
    expect(await db.transaction(async (tx) => (await tx.query<{ n: number }>('SELECT 2 AS n')).rows)).toEqual([{ n: 2 }]);
  });
});
