import { recordAuditWith } from '../audit/record-audit.js';
import type { Database } from '../db/database.js';
import { ForbiddenError, ObjectStoreUnavailableError, RateLimitedError, UnauthorizedError } from '../errors/app-error.js';
import type { RateCounters } from '../http/rate-counters.js';
import type { Logger } from '../lib/logger.js';
import type { StsBackend } from './minio-sts-client.js';
import { PolicyRenderError, renderPolicy } from './policy-template.js';
import { insertGuestIdentity } from './repositories/cognito-identity.repository.js';
import { issuanceInsert } from './repositories/issuance.repository.js';
import { findGuestRole } from './repositories/pool.repository.js';

/** A guest's credentials last an hour, as a user's do by default (Cognito's are an hour too). */
const GUEST_DURATION_SECONDS = 3600;

/** Cognito's words when the pool takes no guests (AllowUnauthenticatedIdentities false). */
export const GUESTS_REFUSED = 'Unauthenticated access is not supported for this identity pool.';

export interface GuestCredentials {
  accessKeyId: string;
  secretAccessKey: string;
  sessionToken: string;
  expiration: Date;
  role: string;
}

export interface GuestCredentialService {
  /**
   * A new guest identity (GetId without logins), only while the pool has a guest role. Anyone may ask, so each
   * address makes at most the hourly limit of identities: the table does not grow at a stranger's pace.
   * Returns the identity's UUID.
   */
  createIdentity(address: string): Promise<string>;
  /**
   * Credentials of the guest role for a guest identity. The policy's `${sub}` is the identity's UUID, so a
   * template like `home/${sub}/*` gives each guest a prefix of its own; `${username}` and `${email}` have no
   * value and a template that needs them refuses guests. Counted per client address and hour, since guests
   * are anyone: the same bound as a user's. `role`, when named (AssumeRoleWithWebIdentity's RoleArn), must be
   * the guest role: a guest reaches no other.
   */
  issue(input: { identityId: string; address: string; role?: string }): Promise<GuestCredentials>;
}

export function createGuestCredentialService(deps: { db: Database; counters: RateCounters; sts: StsBackend | null; logger: Logger; hourlyLimit?: number }): GuestCredentialService {
  const { db } = deps;
  const limit = deps.hourlyLimit ?? 120;
  return {
    async createIdentity(address) {
      if (!(await findGuestRole(db))) throw new UnauthorizedError('guests_refused', GUESTS_REFUSED);
      const key = `cognito:guest-identity:${address}`;
      const count = (await deps.counters.hit([key], 3600)).get(key)!;
      if (count.count > limit) throw new RateLimitedError('too_many_requests', `at most ${limit} new guest identities per hour from one address; reuse the identity you have`, count.resetsInSeconds);
      return (await insertGuestIdentity(db)).id;
    },
    async issue({ identityId, address, role: requested }) {
      if (!deps.sts) throw new ObjectStoreUnavailableError('the identity pool is not configured on this server (S3_ENDPOINT is unset)');
      const role = await findGuestRole(db);
      if (!role) throw new UnauthorizedError('guests_refused', GUESTS_REFUSED);
      if (requested !== undefined && requested !== role.name) throw new ForbiddenError('role_not_allowed', `a guest may assume only the pool's guest role, not "${requested.slice(0, 64)}"`);
      let policy: string;
      try {
        policy = renderPolicy(role.policy_template, { sub: identityId, username: null, email: null });
      } catch (error) {
        if (error instanceof PolicyRenderError) throw new ForbiddenError('role_not_applicable', error.message);
        throw error;
      }
      const key = `sts:guest:${address}`;
      const count = (await deps.counters.hit([key], 3600)).get(key)!;
      if (count.count > limit) throw new RateLimitedError('too_many_requests', `at most ${limit} guest credential requests per hour from one address`, count.resetsInSeconds);

      const duration = Math.min(GUEST_DURATION_SECONDS, role.max_duration_seconds);
      const revokeType = `i:${identityId}`;
      let credentials;
      try {
        credentials = await deps.sts.assumeRole({ policy, durationSeconds: duration, revokeType });
      } catch (error) {
        await deps.counters.refund(key).catch(() => {});
        throw error;
      }
      await recordAuditWith(db, issuanceInsert({ user_id: null, identity_id: identityId, client_id: null, role_name: role.name, access_key_id: credentials.accessKeyId, channel: 'cognito-identity', revoke_type: revokeType, expires_at: credentials.expiration }), {
        type: 'credentials.issued', clientId: null,
        details: { role: role.name, channel: 'cognito-identity', duration_seconds: duration, access_key_id: credentials.accessKeyId, resolved_by: 'guest', identity_id: identityId },
      });
      deps.logger.info({ event: 'credentials.issued', identityId, role: role.name, accessKeyId: credentials.accessKeyId, reason: 'guest', channel: 'cognito-identity' }, 'guest storage credentials issued');
      return { ...credentials, role: role.name };
    },
  };
}
