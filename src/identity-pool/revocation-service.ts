import { AsyncLocalStorage } from 'node:async_hooks';
import { recordAudit } from '../audit/record-audit.js';
import type { Database, Queryable } from '../db/database.js';
import { AppError } from '../errors/app-error.js';
import type { Logger } from '../lib/logger.js';
import type { StsBackend } from './minio-sts-client.js';
import { listLiveRevokeTypesByUser } from './repositories/issuance.repository.js';
import * as jobs from './repositories/revocation-job.repository.js';
import type { RevocationReason } from './repositories/revocation-job.repository.js';
import { grantRevokeType, userRevokeType } from './revoke-types.js';

export type { RevocationReason } from './repositories/revocation-job.repository.js';

/** What became of one request to revoke a user's (or one grant's) storage credentials. */
export type RevocationOutcome =
  | { outcome: 'nothing_to_revoke' }
  | { outcome: 'revoked'; jobId: number }
  /** Recorded, not yet done: a server with the object store will carry it out. `why` says why not now. */
  | { outcome: 'queued'; jobId: number; why: string };

/** A revocation recorded in a transaction that has not committed yet; settle it after the commit. */
export type PendingRevocation = jobs.RevocationJobRow | undefined;

export interface RevocationService {
  /**
   * Records the revocation of every storage credential of the user in the caller's transaction: the one that
   * disables, deletes or signs the user out everywhere. The change and the job commit together, so no crash or error in between can lock a user out of
   * Latchkey while leaving their storage credentials working. Nothing is recorded when the user holds no
   * unexpired credentials.
   */
  enqueue(tx: Queryable, userId: string, reason: RevocationReason): Promise<PendingRevocation>;
  /** After the commit: tries at once when this process has the object store, and reports the outcome. */
  settle(pending: PendingRevocation, reason: RevocationReason): Promise<RevocationOutcome>;
  /**
   * Revokes the user's outstanding credentials durably: records a job (when the user holds unexpired
   * credentials), then, when this process has the object store, tries at once. Never loses the request:
   * a failed or impossible attempt leaves the job for the worker. Throws only if the job cannot be recorded.
   */
  request(userId: string, reason: RevocationReason): Promise<RevocationOutcome>;
  /**
   * As `request`, for the credentials minted with access tokens of one grant only (the grants a logout ends):
   * the user's credentials from other grants keep working.
   */
  requestForGrant(userId: string, grantId: string, reason: RevocationReason): Promise<RevocationOutcome>;
  /** One worker round: claims due jobs and attempts them. Returns how many were revoked, or null without an object store. */
  runDue(): Promise<number | null>;
  /** Runs `work` and collects the outcome of every revocation it requested (for the CLI's report). */
  observe<T>(work: () => Promise<T>): Promise<{ result: T; outcomes: RevocationOutcome[] }>;
}

/** MinIO's STS calls time out after 5 s; a minute is ample before another replica may take the job over. */
const LEASE_SECONDS = 60;
const BATCH = 20;

/** Seconds before attempt `attempts + 1`: 15 s doubling up to 15 minutes. */
export function retryDelaySeconds(attempts: number): number {
  return Math.min(15 * 2 ** Math.max(attempts - 1, 0), 900);
}

function describe(error: unknown): string {
  if (error instanceof AppError) return error.detail ? `${error.message} (${error.detail})` : error.message;
  return error instanceof Error ? error.message : String(error);
}

/**
 * Durable revocation of storage credentials. MinIO can revoke a user's STS credentials only while it is
 * reachable and only for a caller holding the broker's keys, so a revocation requested anywhere else (a
 * CLI without the S3 settings, an outage) is written down and finished later by any replica's worker.
 */
export function createRevocationService(deps: { db: Database; sts: StsBackend | null; logger: Logger }): RevocationService {
  const { db, sts, logger } = deps;
  // Per call chain, not per process: a server handles many requests at once and each sees only its own.
  const observers = new AsyncLocalStorage<RevocationOutcome[]>();

  /**
   * The tags to revoke. A user-wide job reads them when it is attempted, not when it is recorded, so a job
   * that runs late also ends credentials the user obtained in the meantime, as the per-user tag used to.
   */
  async function tagsOf(job: jobs.RevocationJobRow): Promise<string[]> {
    if (job.scope === 'grant') return [job.revoke_type];
    return listLiveRevokeTypesByUser(db, job.user_id, userRevokeType(job.user_id));
  }

  async function attempt(job: jobs.RevocationJobRow): Promise<boolean> {
    let tags = 0;
    try {
      // One call per tag: MinIO revokes by exact tag. Revoking a tag again is harmless, so a retry starts over.
      for (const tag of await tagsOf(job)) {
        await sts!.revoke(tag);
        tags += 1;
      }
    } catch (error) {
      const failed = await jobs.markRevocationJobFailed(db, job.id, describe(error), retryDelaySeconds(job.attempts));
      logger.warn({ event: 'credentials.revocation_failed', jobId: job.id, userId: job.user_id, attempts: job.attempts, closed: Boolean(failed?.done_at), err: error }, 'storage credentials not revoked yet; will retry');
      return false;
    }
    await db.transaction(async (tx) => {
      await jobs.markRevocationJobDone(tx, job.id);
      await recordAudit(tx, { type: 'credentials.revoked', subjectId: job.user_id, details: { state: 'done', job: job.id, scope: job.scope, reason: job.reason, tags, attempts: job.attempts } });
    });
    logger.info({ event: 'credentials.revoked', jobId: job.id, userId: job.user_id, scope: job.scope, tags, reason: job.reason, attempts: job.attempts }, 'storage credentials revoked');
    return true;
  }

  /** Records a job (when there is something to revoke) with its audit event, in the caller's transaction. */
  async function recordJob(tx: Queryable, job: { userId: string; scope: jobs.RevocationScope; revokeType: string; reason: RevocationReason }): Promise<PendingRevocation> {
    const recorded = await jobs.insertRevocationJobIfIssued(tx, { ...job, claimForSeconds: sts ? LEASE_SECONDS : 0 });
    if (recorded) await recordAudit(tx, { type: 'credentials.revoked', subjectId: job.userId, details: { state: 'requested', job: recorded.id, scope: job.scope, reason: job.reason } });
    return recorded;
  }

  const enqueue = (tx: Queryable, userId: string, reason: RevocationReason): Promise<PendingRevocation> =>
    recordJob(tx, { userId, scope: 'user', revokeType: userRevokeType(userId), reason });

  async function settle(job: PendingRevocation, reason: RevocationReason): Promise<RevocationOutcome> {
    if (!job) return { outcome: 'nothing_to_revoke' };
    const userId = job.user_id;
    if (!sts) {
      logger.warn({ event: 'credentials.revocation_queued', jobId: job.id, userId, reason }, 'storage credentials revocation queued: the object store is not configured here');
      return { outcome: 'queued', jobId: job.id, why: 'the object store is not configured here (S3_ENDPOINT is unset)' };
    }
    if (await attempt(job)) return { outcome: 'revoked', jobId: job.id };
    const after = await jobs.findRevocationJobById(db, job.id);
    return { outcome: 'queued', jobId: job.id, why: after?.last_error ?? 'the object store did not revoke them' };
  }

  async function settleObserved(job: PendingRevocation, reason: RevocationReason): Promise<RevocationOutcome> {
    const outcome = await settle(job, reason);
    observers.getStore()?.push(outcome);
    return outcome;
  }

  return {
    enqueue,
    settle: settleObserved,
    async request(userId, reason) {
      return settleObserved(await db.transaction((tx) => enqueue(tx, userId, reason)), reason);
    },
    async requestForGrant(userId, grantId, reason) {
      const job = await db.transaction((tx) => recordJob(tx, { userId, scope: 'grant', revokeType: grantRevokeType(userId, grantId), reason }));
      return settleObserved(job, reason);
    },
    async runDue() {
      if (!sts) return null;
      let revoked = 0;
      // One claim per attempt, so each job's lease starts when its own attempt does.
      for (let i = 0; i < BATCH; i += 1) {
        const [job] = await jobs.claimDueRevocationJobs(db, 1, LEASE_SECONDS);
        if (!job) break;
        if (await attempt(job)) revoked += 1;
      }
      return revoked;
    },
    async observe(work) {
      const outcomes: RevocationOutcome[] = [];
      const result = await observers.run(outcomes, work);
      return { result, outcomes };
    },
  };
}
