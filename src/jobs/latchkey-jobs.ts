import type { AuditService } from '../audit/audit-service.js';
import type { Database } from '../db/database.js';
import { deleteSpentOneTimeCodes } from '../directory/repositories/one-time-code.repository.js';
import { sweepExpiredSrpChallenges } from '../cognito/srp/srp-challenges.js';
import { sweepExpiredFederationStates } from '../federation/federation-states.js';
import type { RateCounters } from '../http/rate-counters.js';
import type { RevocationService } from '../identity-pool/revocation-service.js';
import type { Clock } from '../lib/clock.js';
import type { Logger } from '../lib/logger.js';
import { sweepExpired } from '../oidc/expiry-cleanup.js';
import { convertLegacyOidcModels } from '../oidc/legacy-model-conversion.js';
import type { ModelAtRest } from '../oidc/model-at-rest.js';
import type { SigningKeyService } from '../oidc/signing-keys.js';
import { createJobRunner, type Job, type JobRunner } from './job-runner.js';

/** Short: a revocation waiting here is a credential that still works. The due-job query is one index probe. */
export const REVOCATION_INTERVAL_SECONDS = 10;
/** Housekeeping: nothing it removes is live, so ten minutes only bounds how much piles up. */
const CLEANUP_INTERVAL_SECONDS = 600;
/** Rotation is due once in months and staged a day ahead: an hour late is nothing. */
const KEY_ROTATION_INTERVAL_SECONDS = 3600;

/** The names jobs are known by (in `job_runs`, logs and metrics). */
export const JOB_NAMES = {
  expiryCleanup: 'expiry-cleanup',
  revocations: 'revocations',
  auditRetention: 'audit-retention',
  keyRotation: 'key-rotation',
} as const;

export class SweepsFailedError extends Error {
  override readonly name = 'SweepsFailedError';
}

/**
 * Runs every sweep, each whether or not another failed, and fails after them if one did (naming which).
 * Each sweep takes its own batch lock as well, so a sweep called outside the runner stays safe.
 */
async function runSweeps(sweeps: Record<string, () => Promise<number | null>>, logger: Logger): Promise<number> {
  let total = 0;
  const failed: string[] = [];
  for (const [name, sweep] of Object.entries(sweeps)) {
    try {
      total += (await sweep()) ?? 0;
    } catch (error) {
      failed.push(name);
      logger.warn({ err: error, job: JOB_NAMES.expiryCleanup, sweep: name }, 'sweep failed');
    }
  }
  if (failed.length) throw new SweepsFailedError(`sweeps failed: ${failed.join(', ')}`);
  return total;
}

/** Latchkey's periodic jobs, in a runner that `serve` starts (the CLI builds it only to read its status). */
export function createLatchkeyJobs(deps: {
  db: Database;
  logger: Logger;
  clock: Clock;
  atRest: ModelAtRest;
  counters: RateCounters;
  audit: AuditService;
  auditRetentionDays: number;
  /** Null when this process has no object store: revocations are then left to replicas that do. */
  revocations: RevocationService | null;
  /** Null when scheduled rotation is off (`LATCHKEY_KEY_ROTATION_DAYS=0`). */
  keyRotation: SigningKeyService | null;
}): JobRunner {
  const { db, logger } = deps;
  const jobs: Job[] = [
    {
      name: JOB_NAMES.expiryCleanup,
      intervalSeconds: CLEANUP_INTERVAL_SECONDS,
      run: () => runSweeps({
        oidc: () => sweepExpired(db),
        // Provider rows from before ids were hashed, re-keyed a bounded amount per round.
        oidcLegacyIds: () => convertLegacyOidcModels(db, deps.atRest),
        // Rate-limit windows last at most 15 minutes; a day-old counter is dead weight.
        rateLimits: () => deps.counters.sweep(86_400),
        // Used and expired one-time codes are kept a day (support questions), then removed.
        oneTimeCodes: () => deleteSpentOneTimeCodes(db, 86_400),
        // Federations abandoned at the upstream: their states are useless once expired (10 minutes).
        federationStates: () => sweepExpiredFederationStates(db),
        // SRP challenges never answered: useless once expired (3 minutes).
        srpChallenges: () => sweepExpiredSrpChallenges(db),
      }, logger),
    },
    {
      name: JOB_NAMES.auditRetention,
      intervalSeconds: CLEANUP_INTERVAL_SECONDS,
      run: () => deps.audit.purgeExpired(deps.auditRetentionDays),
    },
  ];
  const { revocations, keyRotation } = deps;
  if (keyRotation) {
    // Stages a successor for each signing key that is due (published now, signing after the publish-ahead window).
    jobs.push({ name: JOB_NAMES.keyRotation, intervalSeconds: KEY_ROTATION_INTERVAL_SECONDS, run: () => keyRotation.rotateIfDue() });
  }
  if (revocations) {
    // Pending revocations of storage credentials (queued by a CLI without the object store, or during an outage).
    jobs.push({ name: JOB_NAMES.revocations, intervalSeconds: REVOCATION_INTERVAL_SECONDS, runAtStart: true, run: () => revocations.runDue() });
  }
  return createJobRunner({ db, logger, clock: deps.clock, jobs });
}
