import { arrayParameter } from '../../db/array-parameter.js';
import { ASYNC_COMMIT } from '../../db/async-commit.js';
import type { Queryable, StatementChange } from '../../db/database.js';

/*
 * Counts commit without waiting for the WAL flush ({@link ASYNC_COMMIT}): a counter is soft state, and a
 * database crash can lose at most the last few hundred milliseconds of hits, a few attempts more for a
 * throttled caller, on the path of every sign-in and storage credential. Limits still hold across replicas.
 * A counting statement therefore runs in a transaction of its own (the counters run on the pool), never in
 * one with changes that must be durable.
 */

/**
 * The counting statement of {@link incrementRateLimits}, for a statement that counts in a data-modifying CTE
 * and reads in the same round trip (the identity pool's issuance). `keys` is a query yielding the keys to count
 * (none: nothing is counted) and `windowSeconds` a placeholder; both are the calling repository's constants,
 * never input. Returns `key`, `count` and `resets_in` (seconds, at least 1) of each key counted.
 */
export function rateLimitHitStatement(sql: { keys: string; windowSeconds: string }): string {
  const windowStart = `now() - ${sql.windowSeconds}::int * interval '1 second'`;
  return `INSERT INTO rate_limits (key, window_start, count) SELECT k, now(), 1 FROM (${sql.keys}) AS hits (k) WHERE ${ASYNC_COMMIT}
     ON CONFLICT (key) DO UPDATE SET
       count = CASE WHEN rate_limits.window_start <= ${windowStart} THEN 1 ELSE rate_limits.count + 1 END,
       window_start = CASE WHEN rate_limits.window_start <= ${windowStart} THEN now() ELSE rate_limits.window_start END
     RETURNING key, count, GREATEST(1, ceil(extract(epoch FROM (window_start + ${sql.windowSeconds}::int * interval '1 second' - now()))))::int AS resets_in`;
}

/**
 * Counts one hit on each key in one statement and returns the counts in the current window (a window
 * older than `windowSeconds` restarts at 1). Atomic per key, so parallel attempts cannot slip past.
 */
export async function incrementRateLimits(db: Queryable, keys: readonly string[], windowSeconds: number): Promise<Map<string, { count: number; resetsInSeconds: number }>> {
  const { rows } = await db.query<{ key: string; count: number; resets_in: number }>(
    rateLimitHitStatement({ keys: `SELECT unnest(${arrayParameter('$1', 'text')})`, windowSeconds: '$2' }),
    [keys, windowSeconds],
  );
  return new Map(rows.map((r) => [r.key, { count: r.count, resetsInSeconds: r.resets_in }]));
}

/** Gives back one hit, for an attempt that failed for reasons that are not the caller's. */
export async function refundRateLimit(db: Queryable, key: string): Promise<void> {
  await db.query('UPDATE rate_limits SET count = count - 1 WHERE key = $1 AND count > 0', [key]);
}

export async function deleteRateLimit(db: Queryable, key: string): Promise<void> {
  const deletion = rateLimitDeletion(key);
  await db.query(deletion.sql, deletion.params);
}

/** The deletion of a key's counter as a statement, for a caller that runs it with its own change. */
export function rateLimitDeletion(key: string): StatementChange {
  return { sql: 'DELETE FROM rate_limits WHERE key = $1', params: [key] };
}

export async function deleteStaleRateLimits(db: Queryable, olderThanSeconds: number): Promise<number> {
  const { rowCount } = await db.query(`DELETE FROM rate_limits WHERE window_start < now() - $1::int * interval '1 second'`, [olderThanSeconds]);
  return rowCount;
}
