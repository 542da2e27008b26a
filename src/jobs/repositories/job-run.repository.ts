import type { Queryable } from '../../db/database.js';

export interface JobRunRow {
  name: string;
  last_started_at: Date | null;
  last_succeeded_at: Date | null;
  last_failed_at: Date | null;
  last_error: string | null;
  runs: number;
  failures: number;
}

/** Class id of the two-key advisory locks taken per job (the second key is a hash of the job's name). */
const JOB_LOCK_CLASS = 7_256_100;

/**
 * Tries the job's transaction-scoped advisory lock: a replica that loses returns at once instead of queueing
 * behind the winner's row lock, and the lock goes with the transaction (no session lock to hand back on the
 * same pooled client).
 */
export async function tryLockJob(tx: Queryable, name: string): Promise<boolean> {
  const { rows } = await tx.query<{ locked: boolean }>('SELECT pg_try_advisory_xact_lock($1, hashtext($2)) AS locked', [JOB_LOCK_CLASS, name]);
  return rows[0]?.locked === true;
}

/**
 * Starts a run of `name` under a lease for `owner` when no lease is live and, unless `ignoreInterval`, the
 * last start is at least `intervalSeconds` old (on the database clock, which every replica shares). The
 * guard is in the statement's WHERE, so of two replicas that got here one after the other only the first
 * starts a run. Returns whether this call started one.
 */
export async function claimJobRun(tx: Queryable, claim: { name: string; owner: string; leaseSeconds: number; intervalSeconds: number; ignoreInterval: boolean }): Promise<boolean> {
  const { rowCount } = await tx.query(
    `INSERT INTO job_runs (name, last_started_at, runs, lease_owner, lease_until)
     VALUES ($1, now(), 1, $2, now() + $3::int * interval '1 second')
     ON CONFLICT (name) DO UPDATE SET last_started_at = now(), runs = job_runs.runs + 1,
       lease_owner = EXCLUDED.lease_owner, lease_until = EXCLUDED.lease_until
     WHERE (job_runs.lease_until IS NULL OR job_runs.lease_until <= now())
       AND ($4::boolean OR job_runs.last_started_at IS NULL OR job_runs.last_started_at <= now() - $5::int * interval '1 second')`,
    [claim.name, claim.owner, claim.leaseSeconds, claim.ignoreInterval, claim.intervalSeconds],
  );
  return rowCount === 1;
}

/** Extends a run's lease while it is still this owner's; false when it was lost (taken over). */
export async function renewJobLease(db: Queryable, name: string, owner: string, leaseSeconds: number): Promise<boolean> {
  const { rowCount } = await db.query(
    `UPDATE job_runs SET lease_until = now() + $3::int * interval '1 second' WHERE name = $1 AND lease_owner = $2`,
    [name, owner, leaseSeconds],
  );
  return rowCount === 1;
}

/**
 * Records how a run ended (`error` null: it succeeded) and releases its lease if this owner still holds it
 * (a run that outlived its lease still reports, but never clears the lease of the replica that took over).
 */
export async function finishJobRun(db: Queryable, name: string, owner: string, error: string | null): Promise<void> {
  await db.query(
    `UPDATE job_runs SET
       last_succeeded_at = CASE WHEN $3::text IS NULL THEN now() ELSE last_succeeded_at END,
       last_failed_at = CASE WHEN $3::text IS NULL THEN last_failed_at ELSE now() END,
       last_error = coalesce($3::text, last_error),
       failures = failures + CASE WHEN $3::text IS NULL THEN 0 ELSE 1 END,
       lease_until = CASE WHEN lease_owner = $2 THEN NULL ELSE lease_until END,
       lease_owner = CASE WHEN lease_owner = $2 THEN NULL ELSE lease_owner END
     WHERE name = $1`,
    [name, owner, error],
  );
}

/** The recorded runs of the named jobs (a job that never ran anywhere has no row). */
export async function findJobRuns(db: Queryable, names: readonly string[]): Promise<JobRunRow[]> {
  const { rows } = await db.query<JobRunRow>(
    `SELECT name, last_started_at, last_succeeded_at, last_failed_at, last_error, runs, failures
     FROM job_runs WHERE name = ANY($1::text[]) ORDER BY name`,
    [names],
  );
  return rows;
}
