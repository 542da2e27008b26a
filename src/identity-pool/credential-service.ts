import { recordAuditWith } from '../audit/record-audit.js';
import type { Database } from '../db/database.js';
import { userMayAct } from '../directory/account-state.js';
import { verifiedClaims } from '../directory/verified-claims.js';
import { ForbiddenError, InsufficientScopeError, InvalidRequestError, InvalidTokenError, ObjectStoreUnavailableError, RateLimitedError } from '../errors/app-error.js';
import type { RateCounters } from '../http/rate-counters.js';
import type { Logger } from '../lib/logger.js';
import type { VerifiedAccessToken } from '../oidc/access-token-verifier.js';
import type { StsBackend } from './minio-sts-client.js';
import { PolicyRenderError, renderPolicy } from './policy-template.js';
import { findIssuanceByAccessKey, issuanceInsert, type IssuanceRow } from './repositories/issuance.repository.js';
import { findIssuanceContext } from './repositories/role.repository.js';
import { resolveRole } from './role-resolution.js';
import { grantRevokeType, userRevokeType } from './revoke-types.js';

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

export interface CredentialService {
  /** Trades a verified access token for temporary credentials (the identity pool's one operation). */
  issue(input: { token: VerifiedAccessToken; role?: string | undefined; durationSeconds?: number | undefined; channel: 'credentials' | 'aws-sts' }): Promise<IssuedCredentials>;
  /** Who received an access key (as the object store's logs show it): the audit row, if any. */
  findIssuance(accessKeyId: string): Promise<IssuanceRow | undefined>;
}

/**
 * Steps of an issuance: check the object store is configured → check scope and subject → load the user, their
 * groups and everything resolution needs in one query → check the user may act → resolve the role → check the duration → render the
 * session policy → count against the per-user hourly limit → AssumeRole → record the issuance. MinIO is
 * called only after every local check passed.
 */
export function createCredentialService(deps: { db: Database; counters: RateCounters; sts: StsBackend | null; logger: Logger; hourlyLimitPerUser?: number; onIssued?: (role: string) => void }): CredentialService {
  const { db, logger } = deps;
  return {
    findIssuance: (accessKeyId) => findIssuanceByAccessKey(db, accessKeyId),
    async issue({ token, role: requestedRole, durationSeconds, channel }) {
      if (!deps.sts) throw new ObjectStoreUnavailableError('the identity pool is not configured on this server (S3_ENDPOINT is unset)');
      if (!token.scopes.has(STS_SCOPE)) throw new InsufficientScopeError(STS_SCOPE);
      if (!token.accountId) throw new ForbiddenError('user_required', 'storage credentials are issued to users, not to client-credentials tokens');
      // One round trip: the user, their groups and the pool's settings, rules and roles.
      const context = await findIssuanceContext(db, token.accountId);
      const { user } = context;
      if (!user || !userMayAct(user)) throw new InvalidTokenError('the access token user may no longer act (disabled, unconfirmed or deleted)');

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

      let policy: string;
      try {
        policy = renderPolicy(role.policy_template, { sub: user.id, username: user.username, email: user.email_verified ? user.email : null });
      } catch (error) {
        if (error instanceof PolicyRenderError) throw new ForbiddenError('role_not_applicable', error.message);
        throw error;
      }

      // Bounded per user: MinIO stores every STS credential until it expires. Counted atomically before
      // the call; refunded when the object store fails, since that is not the user's doing.
      const limit = deps.hourlyLimitPerUser ?? 120;
      const rateKey = `sts:user:${user.id}`;
      const counted = (await deps.counters.hit([rateKey], 3600)).get(rateKey);
      if (counted && counted.count > limit) {
        throw new RateLimitedError('too_many_requests', `at most ${limit} credential requests per hour; reuse the credentials you have until they expire`, counted.resetsInSeconds);
      }

      // Tagged with the token's grant, so a logout that ends the grant revokes these credentials and no others
      // (a user's tokens always name their grant; the per-user tag is only a fallback).
      const revokeType = token.grantId ? grantRevokeType(user.id, token.grantId) : userRevokeType(user.id);
      let credentials;
      try {
        credentials = await deps.sts.assumeRole({ policy, durationSeconds: duration, revokeType });
      } catch (error) {
        await deps.counters.refund(rateKey).catch(() => {});
        throw error;
      }
      // If recording fails the request fails: credentials nobody was given are harmless, credentials
      // handed out without an audit row are not.
      // The issuance row and its event go in one statement: atomic, and one round trip on this hot path.
      // The access key id is the public half (it names the credentials in the object store's logs).
      await recordAuditWith(db, issuanceInsert({ user_id: user.id, client_id: token.clientId, role_name: role.name, access_key_id: credentials.accessKeyId, channel, revoke_type: revokeType, expires_at: credentials.expiration }), {
        type: 'credentials.issued', subjectId: user.id, clientId: token.clientId,
        details: { role: role.name, channel, duration_seconds: duration, access_key_id: credentials.accessKeyId, resolved_by: resolution.reason },
      });
      deps.onIssued?.(role.name);
      logger.info({ event: 'credentials.issued', userId: user.id, clientId: token.clientId, role: role.name, accessKeyId: credentials.accessKeyId, reason: resolution.reason, channel }, 'storage credentials issued');
      return { ...credentials, role: role.name, userId: user.id };
    },
  };
}
