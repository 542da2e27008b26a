import type { Database } from '../db/database.js';
import type { Logger } from '../lib/logger.js';
import { deleteExpiredOidcModels } from './repositories/oidc-model.repository.js';

/** Arbitrary, fixed: only the replica holding this lock runs the sweep. */
const CLEANUP_LOCK_ID = 7_256_003;
const BATCH = 1000;
const MAX_BATCHES = 50;

/**
 * Deletes expired sessions, codes, tokens and interactions. Every replica schedules it; a transaction-level
 * advisory try-lock lets exactly one do the work each round, and bounded batches keep each round short.
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

/**
 * Runs housekeeping tasks every `intervalSeconds` (unref'd: never keeps the process alive). A task resolves
 * to how many rows it removed or changed, or null when another replica did the work.
 */
export function scheduleMaintenance(logger: Logger, tasks: Record<string, () => Promise<number | null>>, intervalSeconds = 600): () => void {
  const timer = setInterval(() => {
    for (const [name, task] of Object.entries(tasks)) {
      task()
        .then((rows) => { if (rows) logger.info({ task: name, rows }, 'maintenance task changed rows'); })
        .catch((error: unknown) => logger.warn({ err: error, task: name }, 'maintenance task failed'));
    }
  }, intervalSeconds * 1000);
  timer.unref();
  return () => clearInterval(timer);
}
