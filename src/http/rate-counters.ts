import type { Queryable, StatementChange } from '../db/database.js';
import { deleteRateLimit, deleteStaleRateLimits, incrementRateLimits, rateLimitDeletion, refundRateLimit } from './repositories/rate-limit.repository.js';

/** A key's count in its current window, and when that window ends. */
export interface WindowCount {
  count: number;
  resetsInSeconds: number;
}

/**
 * Fixed-window counters in Postgres, shared by every replica: the sign-in throttle and the identity pool's
 * per-user issuance limit count with them. Counting is atomic per key (one statement), so parallel
 * requests cannot slip past a limit.
 */
export interface RateCounters {
  /** Counts one hit on each key; a window older than `windowSeconds` restarts at 1. */
  hit(keys: readonly string[], windowSeconds: number): Promise<Map<string, WindowCount>>;
  /** Gives one hit back, for an attempt that failed for reasons that are not the caller's. */
  refund(key: string): Promise<void>;
  /** Forgets a key (a successful sign-in clears its account-and-address counter). */
  reset(key: string): Promise<void>;
  /** What `reset` does, as a statement for a caller that runs it with its own change in one round trip. */
  resetStatement(key: string): StatementChange;
  /** Deletes counters whose window started more than `olderThanSeconds` ago (maintenance). */
  sweep(olderThanSeconds: number): Promise<number>;
}

export function createRateCounters(db: Queryable): RateCounters {
  return {
    hit: (keys, windowSeconds) => incrementRateLimits(db, keys, windowSeconds),
    refund: (key) => refundRateLimit(db, key),
    reset: (key) => deleteRateLimit(db, key),
    resetStatement: (key) => rateLimitDeletion(key),
    sweep: (olderThanSeconds) => deleteStaleRateLimits(db, olderThanSeconds),
  };
}
