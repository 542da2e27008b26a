import type { Database, Queryable } from '../../src/db/database.js';

/** A Database that records the text of every round trip (a transaction's BEGIN and COMMIT count too). */
export interface CountingDatabase extends Database {
  readonly log: string[];
}

/** Timers that query on their own schedule (key refresh, revocation worker, sweeps, jobs), not the request. */
export const BACKGROUND_QUERY = /signing_keys|revocation_jobs|pg_try_advisory|oidc_model WHERE expires_at|job_runs/;

/** Wraps the server's Database; notifications (LISTEN) pass through, so caches behave as in production. */
export function countingDatabase(inner: Database): CountingDatabase {
  const log: string[] = [];
  const record = (tx: Queryable): Queryable => ({
    query(text, params) {
      log.push(text.replace(/\s+/g, ' ').trim());
      return tx.query(text, params);
    },
  });
  const outer = record(inner);
  return {
    kind: inner.kind,
    log,
    query: outer.query.bind(outer),
    // A transaction's lines are logged when it ends, and not at all when every statement in it is background
    // work (the job runner's claim, a sweep): their BEGIN and COMMIT would otherwise count as a request's trips
    // whenever a timer fires during the request. A request awaits each transaction, so its order is kept.
    transaction(work) {
      const lines: string[] = [];
      const buffered: Queryable = {
        query(text, params) {
          lines.push(text.replace(/\s+/g, ' ').trim());
          return tx.query(text, params);
        },
      };
      let tx: Queryable;
      return inner.transaction((inside) => {
        tx = inside;
        return work(buffered);
      }).finally(() => {
        if (lines.length === 0 || lines.some((line) => !BACKGROUND_QUERY.test(line))) log.push('BEGIN', ...lines, 'COMMIT');
      });
    },
    ...(inner.listen ? { listen: inner.listen.bind(inner) } : {}),
    ...(inner.poolStats ? { poolStats: inner.poolStats.bind(inner) } : {}),
    close: () => inner.close(),
  };
}

/** The round trips logged since `from`, background work left out. */
export function requestTrips(db: CountingDatabase, from = 0): string[] {
  return db.log.slice(from).filter((text) => !BACKGROUND_QUERY.test(text));
}
