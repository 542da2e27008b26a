import type { Database } from '../db/database.js';
import { deleteExpiredOidcModels } from './repositories/oidc-model.repository.js';

/** Arbitrary, fixed: only the replica holding this lock runs the sweep. */
const CLEANUP_LOCK_ID = 7_256_003;
const BATCH = 1000;
const MAX_BATCHES = 50;

/**
 * Deletes expired sessions, codes, tokens and interactions (the expiry-cleanup job). A transaction-level
 * advisory try-lock per batch lets one sweeper at a time do the work, and bounded batches keep each round short.
 */
export async function sweepExpired(db: Database): Promise<number | null> {
  let total = 0;
  for (let i = 0; i < MAX_BATCHES; i += 1) {
    const deleted = await db.transaction(async (tx) => {
      const { rows } = await tx.query<{ locked: boolean }>('SELECT pg_try_advisory_xact_lock($1) AS locked', [CLEANUP_LOCK_ID]);
      if (!rows[0]?.locked) return null;
      return deleteExpiredOidcModels(tx, BATCH);
    });
    if (deleted === null) return i === 0 ? null : total;
    total += deleted;
    if (deleted < BATCH) break;
  }
  return total;
}
