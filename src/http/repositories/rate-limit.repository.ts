import type { Queryable } from '../../db/database.js';

/**
 * Counts one hit on each key in one statement and returns the counts in the current window (a window
 * older than `windowSeconds` restarts at 1). Atomic per key, so parallel attempts cannot slip past.
 */
export async function incrementRateLimits(db: Queryable, keys: readonly string[], windowSeconds: number): Promise<Map<string, { count: number; resetsInSeconds: number }>> {
  const { rows } = await db.query<{ key: string; count: number; resets_in: number }>(
    `INSERT INTO rate_limits (key, window_start, count) SELECT k, now(), 1 FROM unnest($1::text[]) AS k
     ON CONFLICT (key) DO UPDATE SET
       count = CASE WHEN rate_limits.window_start <= now() - $2::int * interval '1 second' THEN 1 ELSE rate_limits.count + 1 END,
       window_start = CASE WHEN rate_limits.window_start <= now() - $2::int * interval '1 second' THEN now() ELSE rate_limits.window_start END
     RETURNING key, count, GREATEST(1, ceil(extract(epoch FROM (window_start + $2::int * interval '1 second' - now()))))::int AS resets_in`,
    [keys, windowSeconds],
  );
  return new Map(rows.map((r) => [r.key, { count: r.count, resetsInSeconds: r.resets_in }]));
}

/** Gives back one hit, for an attempt that failed for reasons that are not the caller's. */
export async function refundRateLimit(db: Queryable, key: string): Promise<void> {
  await db.query('UPDATE rate_limits SET count = count - 1 WHERE key = $1 AND count > 0', [key]);
}

export async function deleteRateLimit(db: Queryable, key: string): Promise<void> {
  await db.query('DELETE FROM rate_limits WHERE key = $1', [key]);
}

export async function deleteStaleRateLimits(db: Queryable, olderThanSeconds: number): Promise<number> {
  const { rowCount } = await db.query(`DELETE FROM rate_limits WHERE window_start < now() - $1::int * interval '1 second'`, [olderThanSeconds]);
  return rowCount;
}
