import type { RevocationOutcome } from '../identity-pool/revocation-service.js';

/**
 * Exit status of `user disable|delete|sign-out` when the change stands but Latchkey cannot yet guarantee
 * that the user's storage credentials stopped working: the revocation is queued for a server.
 */
export const EXIT_REVOCATION_QUEUED = 3;

/** The `storage_credentials` field of `--json` output. */
export type RevocationReport =
  | { outcome: 'revoked'; job_id: number }
  | { outcome: 'queued'; job_id: number; reason: string }
  | { outcome: 'nothing_to_revoke' };

/**
 * What the CLI says about the storage credentials of a user it just locked out. Several outcomes (there is
 * normally one) fold into the least certain: a single queued job means the outcome is not guaranteed.
 */
export function reportRevocation(outcomes: readonly RevocationOutcome[]): { json: RevocationReport; text: string; queued: boolean } | undefined {
  const queued = outcomes.find((o) => o.outcome === 'queued');
  if (queued) {
    return {
      json: { outcome: 'queued', job_id: queued.jobId, reason: queued.why },
      text: `storage credentials: queued: a Latchkey server with the object store configured will revoke them (job #${queued.jobId}); not now because ${queued.why}`,
      queued: true,
    };
  }
  const revoked = outcomes.find((o) => o.outcome === 'revoked');
  if (revoked) return { json: { outcome: 'revoked', job_id: revoked.jobId }, text: 'storage credentials: revoked now', queued: false };
  if (outcomes.length > 0) return { json: { outcome: 'nothing_to_revoke' }, text: 'storage credentials: nothing to revoke (none unexpired were issued)', queued: false };
  return undefined;
}
