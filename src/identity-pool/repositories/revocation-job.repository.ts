import type { Queryable } from '../../db/database.js';

export type RevocationReason = 'disabled' | 'deleted' | 'signed_out' | 'logout';

/** 'grant': the credentials of one grant (its tag in revoke_type); 'user': every tag the user's credentials carry. */
export type RevocationScope = 'user' | 'grant';

export interface RevocationJobRow {
  id: number;
  user_id: string;
  scope: RevocationScope;
  revoke_type: string;
  reason: RevocationReason;
  attempts: number;
  next_attempt_at: Date;
  last_error: string | null;
  done_at: Date | null;
  created_at: Date;
}

const COLUMNS = 'id, user_id, scope, revoke_type, reason, attempts, next_attempt_at, last_error, done_at, created_at';

/**
 * Records a revocation to carry out, but only when it covers credentials that have not expired (an issuance
 * recorded in `credential_issuances`: any of the user's for scope 'user', those tagged `revokeType` for scope
 * 'grant'); returns the job, or undefined when there is nothing to revoke. `claimForSeconds` > 0 means the
 * caller attempts it at once: the job is born claimed (one attempt, leased), so no replica's worker runs it
 * concurrently.
 */
export async function insertRevocationJobIfIssued(db: Queryable, job: { userId: string; scope: RevocationScope; revokeType: string; reason: RevocationReason; claimForSeconds: number }): Promise<RevocationJobRow | undefined> {
  const { rows } = await db.query<RevocationJobRow>(
    `INSERT INTO revocation_jobs (user_id, scope, revoke_type, reason, attempts, next_attempt_at)
     SELECT $1, $5, $2, $3, CASE WHEN $4::int > 0 THEN 1 ELSE 0 END, now() + $4::int * interval '1 second'
     WHERE EXISTS (SELECT 1 FROM credential_issuances
                   WHERE user_id = $1 AND expires_at > now() AND ($5::text = 'user' OR revoke_type = $2))
     RETURNING ${COLUMNS}`,
    [job.userId, job.revokeType, job.reason, job.claimForSeconds, job.scope],
  );
  return rows[0];
}

/**
 * Claims up to `limit` due jobs for one attempt each, atomically: `FOR UPDATE SKIP LOCKED` lets replicas
 * claim side by side without waiting on each other, and the lease (next_attempt_at pushed forward) keeps a
 * claimed job from being taken again until this attempt had time to finish or its replica died.
 */
export async function claimDueRevocationJobs(db: Queryable, limit: number, leaseSeconds: number): Promise<RevocationJobRow[]> {
  const { rows } = await db.query<RevocationJobRow>(
    `UPDATE revocation_jobs j SET attempts = j.attempts + 1, next_attempt_at = now() + $2::int * interval '1 second'
     FROM (SELECT id FROM revocation_jobs WHERE done_at IS NULL AND next_attempt_at <= now()
           ORDER BY next_attempt_at, id LIMIT $1 FOR UPDATE SKIP LOCKED) due
     WHERE j.id = due.id
     RETURNING ${COLUMNS.split(', ').map((c) => `j.${c}`).join(', ')}`,
    [limit, leaseSeconds],
  );
  return rows;
}

export async function markRevocationJobDone(db: Queryable, id: number): Promise<void> {
  await db.query('UPDATE revocation_jobs SET done_at = now(), last_error = NULL WHERE id = $1 AND done_at IS NULL', [id]);
}

/**
 * Records a failed attempt and when to try again. A job that no longer covers unexpired credentials (the
 * user's, or its grant's for scope 'grant') is closed instead (nothing is left for it to revoke), so retries
 * end by themselves.
 */
export async function markRevocationJobFailed(db: Queryable, id: number, error: string, retryInSeconds: number): Promise<RevocationJobRow | undefined> {
  const { rows } = await db.query<RevocationJobRow>(
    `UPDATE revocation_jobs SET last_error = $2, next_attempt_at = now() + $3::int * interval '1 second',
       done_at = CASE WHEN EXISTS (SELECT 1 FROM credential_issuances i
                                   WHERE i.user_id = revocation_jobs.user_id AND i.expires_at > now()
                                     AND (revocation_jobs.scope = 'user' OR i.revoke_type = revocation_jobs.revoke_type))
                      THEN NULL ELSE now() END
     WHERE id = $1 AND done_at IS NULL
     RETURNING ${COLUMNS}`,
    [id, error.slice(0, 500), retryInSeconds],
  );
  return rows[0];
}

export async function findRevocationJobById(db: Queryable, id: number): Promise<RevocationJobRow | undefined> {
  const { rows } = await db.query<RevocationJobRow>(`SELECT ${COLUMNS} FROM revocation_jobs WHERE id = $1`, [id]);
  return rows[0];
}
