import { recordAuditWith } from '../audit/record-audit.js';
import type { Database } from '../db/database.js';
import { verifiedClaims } from '../directory/verified-claims.js';
import { ForbiddenError, InsufficientScopeError, InvalidRequestError, InvalidTokenError, ObjectStoreUnavailableError, RateLimitedError } from '../errors/app-error.js';
import type { RateCounters } from '../http/rate-counters.js';
import type { Logger } from '../lib/logger.js';
import { assertAccessTokenLive, type VerifiedAccessToken } from '../oidc/access-token-verifier.js';
import { createGuestCredentialService, type GuestCredentialService } from './guest-credentials.js';
import type { StsBackend, TemporaryCredentials } from './minio-sts-client.js';
import { PolicyRenderError, renderPolicy } from './policy-template.js';
import { deletePendingIssuance, findIssuanceByAccessKey, insertPendingIssuance, issuanceCompletion, type IssuanceRow, type PendingIssuance } from './repositories/issuance.repository.js';
import { countIssuanceAndFindContext, type IssuanceContextRow, type PoolUserRow } from './repositories/issuance-context.repository.js';
import { resolveRole } from './role-resolution.js';
import { grantRevokeType } from './revoke-types.js';

/** The scope an access token must carry to be traded for storage credentials. */
export const STS_SCOPE = 'sts';
export const DEFAULT_DURATION_SECONDS = 3600;
export const MIN_DURATION_SECONDS = 900;

export interface IssuedCredentials {
  accessKeyId: string;
  secretAccessKey: string;
  sessionToken: string;
  expiration: Date;
  role: string;
  userId: string;
}

/** Who buys credentials, as a verified access token names it (an ID token's login, through its grant, too). */
export type IssuanceBearer = Pick<VerifiedAccessToken, 'jti' | 'clientId' | 'accountId' | 'grantId' | 'scopes'>;

/** The surface that asked: the issuance row and its audit event name it. */
export type IssuanceChannel = 'credentials' | 'aws-sts' | 'cognito-identity';

export interface CredentialService {
  /**
   * Trades an access token for temporary credentials (the identity pool's one operation). The token's claims
   * are verified (`verifyClaims`); its liveness is checked here, in the issuance's own query.
   */
  issue(input: { token: IssuanceBearer; role?: string | undefined; durationSeconds?: number | undefined; channel: IssuanceChannel; identityId?: string }): Promise<IssuedCredentials>;
  /** Who received an access key (as the object store's logs show it): the audit row, if any. */
  findIssuance(accessKeyId: string): Promise<IssuanceRow | undefined>;
  /** Guests of the Cognito identity-pool API: the pool's guest role, with the same object store and limit. */
  readonly guests: GuestCredentialService;
}

/** What the local checks of an issuance decide, before the object store is asked. */
interface IssuancePlan {
  user: PoolUserRow;
  role: { name: string; max_duration_seconds: number };
  duration: number;
  policy: string;
  reason: string;
}

const GONE = 'access token user may no longer act (disabled, unconfirmed, reset required or deleted)';

/**
 * The local checks, in the order a client meets their refusals: the token is live (grant, jti, the user may
 * act, client) → resolve the role → check the duration → render the session policy. Synchronous: everything
 * they read came in the issuance's one query.
 */
function planIssuance(token: IssuanceBearer, context: IssuanceContextRow, requestedRole: string | undefined, durationSeconds: number | undefined): IssuancePlan {
  assertAccessTokenLive(token, context);
  const { user } = context;
  // The liveness columns and the user row come from one snapshot: a user who passed has a row.
  if (!user) throw new InvalidTokenError(GONE);

  const resolution = resolveRole({
    requestedRole,
    groups: context.groups,
    rules: context.rules,
    defaultRole: context.default_role,
    ambiguousRoleResolution: context.ambiguous_role_resolution,
    claims: { ...verifiedClaims({ ...user, groups: context.groups.map((g) => g.name) }), client_id: token.clientId },
  });
  if (!resolution.ok) throw new ForbiddenError(resolution.code, resolution.message);
  const role = context.roles.find((r) => r.name === resolution.role);
  if (!role) throw new ForbiddenError('no_role', `role "${resolution.role}" does not exist`);

  const duration = durationSeconds ?? Math.min(DEFAULT_DURATION_SECONDS, role.max_duration_seconds);
  if (!Number.isInteger(duration) || duration < MIN_DURATION_SECONDS || duration > role.max_duration_seconds) {
    throw new InvalidRequestError(`duration_seconds must be between ${MIN_DURATION_SECONDS} and ${role.max_duration_seconds} for role "${role.name}"`, [{ path: 'duration_seconds', message: 'out of range' }]);
  }

  try {
    const policy = renderPolicy(role.policy_template, { sub: user.id, username: user.username, email: user.email_verified ? user.email : null });
    return { user, role, duration, policy, reason: resolution.reason };
  } catch (error) {
    if (error instanceof PolicyRenderError) throw new ForbiddenError('role_not_applicable', error.message);
    throw error;
  }
}

/**
 * Mints credentials while their issuance is recorded, durably, side by side: a revocation requested from the
 * moment the row commits finds their tag, and the commit's wait for the disk overlaps MinIO's own work
 * instead of following it. Credentials are handed out only once both succeeded: minted but unrecorded ones
 * are never given to anyone (harmless); a row whose credentials were never minted is removed (and would only
 * make a revocation revoke a tag nothing carries).
 */
async function mintRecorded(db: Database, sts: StsBackend, refund: () => Promise<void>, issuance: { pending: PendingIssuance; assumeRole: Parameters<StsBackend['assumeRole']>[0] }): Promise<{ credentials: TemporaryCredentials; issuanceId: string }> {
  const [recorded, minted] = await Promise.allSettled([insertPendingIssuance(db, issuance.pending), sts.assumeRole(issuance.assumeRole)]);
  if (minted.status === 'rejected') {
    // The object store's failure is not the user's doing: the hit goes back.
    await refund();
    if (recorded.status === 'fulfilled') await deletePendingIssuance(db, recorded.value).catch(() => {});
    throw minted.reason;
  }
  if (recorded.status === 'rejected') throw recorded.reason;
  return { credentials: minted.value, issuanceId: recorded.value };
}

/**
 * Steps of an issuance: check the object store is configured → check scope and subject → one query: the
 * token's liveness, the user, their groups and everything resolution needs, and the per-user hourly count
 * with this request in it → the local checks ({@link planIssuance}) → the hourly limit → AssumeRole while the
 * issuance is recorded ({@link mintRecorded}) → complete the record with the access key and the audit event.
 * MinIO is called only after every local check passed. The token comes from the verifier's `verifyClaims`:
 * its liveness is checked here, in the issuance's own query, so the hot path is three round trips, one of them
 * while MinIO works (this query; the pending issuance; its completion with the event).
 */
export function createCredentialService(deps: { db: Database; counters: RateCounters; sts: StsBackend | null; logger: Logger; hourlyLimitPerUser?: number; onIssued?: (role: string) => void }): CredentialService {
  const { db, logger } = deps;
  return {
    findIssuance: (accessKeyId) => findIssuanceByAccessKey(db, accessKeyId),
    guests: createGuestCredentialService({ db, counters: deps.counters, sts: deps.sts, logger, ...(deps.hourlyLimitPerUser !== undefined ? { hourlyLimit: deps.hourlyLimitPerUser } : {}) }),
    async issue({ token, role: requestedRole, durationSeconds, channel, identityId }) {
      if (!deps.sts) throw new ObjectStoreUnavailableError('the identity pool is not configured on this server (S3_ENDPOINT is unset)');
      if (!token.scopes.has(STS_SCOPE)) throw new InsufficientScopeError(STS_SCOPE);
      // A user's token always names its grant; a client-credentials token has neither.
      if (!token.accountId || !token.grantId) throw new ForbiddenError('user_required', 'storage credentials are issued to users, not to client-credentials tokens');

      // Bounded per user: MinIO stores every STS credential until it expires. Counted atomically in the same
      // statement that reads the context; a request refused afterwards gives its hit back, except the limit's
      // own refusal, and so does an object store failure, since that is not the user's doing.
      const limit = deps.hourlyLimitPerUser ?? 120;
      const rateKey = `sts:user:${token.accountId}`;
      const context = await countIssuanceAndFindContext(db, { accountId: token.accountId, grantId: token.grantId, jti: token.jti, clientId: token.clientId }, { key: rateKey, windowSeconds: 3600 });
      const refund = async () => {
        if (context.rate) await deps.counters.refund(rateKey).catch(() => {});
      };
      let plan: IssuancePlan;
      try {
        plan = planIssuance(token, context, requestedRole, durationSeconds);
      } catch (error) {
        await refund();
        throw error;
      }
      // A token that passed liveness was counted (the count's condition is liveness at the token's level).
      if (!context.rate) throw new Error('a live token\'s issuance was not counted');
      if (context.rate.count > limit) {
        throw new RateLimitedError('too_many_requests', `at most ${limit} credential requests per hour; reuse the credentials you have until they expire`, context.rate.resets_in);
      }
      const { user, role, duration, policy } = plan;

      // Tagged with the token's grant, so a logout that ends the grant revokes these credentials and no others.
      const revokeType = grantRevokeType(user.id, token.grantId);
      const { credentials, issuanceId } = await mintRecorded(db, deps.sts, refund, {
        pending: { user_id: user.id, identity_id: identityId ?? null, client_id: token.clientId, role_name: role.name, channel, revoke_type: revokeType, durationSeconds: duration },
        assumeRole: { policy, durationSeconds: duration, revokeType },
      });
      // The completion and its event go in one statement, committed without waiting for the disk: the row
      // revocation reads is already durable, and it names who received credentials, when, with which role and
      // tag, even if a database crash in the next few hundred milliseconds lost this statement. The access key
      // id is the public half (it names the credentials in the object store's logs).
      await recordAuditWith(db, issuanceCompletion(issuanceId, credentials), {
        type: 'credentials.issued', subjectId: user.id, clientId: token.clientId,
        details: { role: role.name, channel, duration_seconds: duration, access_key_id: credentials.accessKeyId, resolved_by: plan.reason },
      });
      deps.onIssued?.(role.name);
      logger.info({ event: 'credentials.issued', userId: user.id, clientId: token.clientId, role: role.name, accessKeyId: credentials.accessKeyId, reason: plan.reason, channel }, 'storage credentials issued');
      return { ...credentials, role: role.name, userId: user.id };
    },
  };
}
