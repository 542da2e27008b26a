import type { Queryable } from '../../db/database.js';

/** Arbitrary but fixed: every replica and the CLI apply configuration files one at a time under this lock. */
const CONFIG_APPLY_LOCK_ID = 7_256_030;

/**
 * Waits for the configuration lock for the rest of `tx`. Replicas starting together with the same file apply it
 * one after the other: the first writes, the next ones find everything unchanged.
 */
export async function lockConfigApply(tx: Queryable): Promise<void> {
  await tx.query('SELECT pg_advisory_xact_lock($1)', [CONFIG_APPLY_LOCK_ID]);
}
