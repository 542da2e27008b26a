import type { Queryable } from '../../db/database.js';
import { userWithGroupsColumns, type UserWithGroupsRow } from '../../directory/repositories/user.repository.js';
import { accessTokenLivenessColumns, type AccessTokenLiveness } from './oidc-model.repository.js';

/** What userinfo reads for a verified access token: its liveness and its user (null when there is none). */
export interface UserinfoRow {
  liveness: AccessTokenLiveness;
  user: UserWithGroupsRow | null;
}

const LIVENESS = accessTokenLivenessColumns({ grantId: '$1', jti: '$2', accountId: '$3', clientId: '$4' });

/**
 * Userinfo's one round trip: the token's liveness (the bridges' shared columns) and the user with groups and
 * linked providers, as the provider's `findAccount` reads them. `accountId` must be a UUID (the verifier
 * checks); a deleted user gives a null user.
 */
export async function findUserinfoRow(db: Queryable, token: { grantId: string | null; jti: string; accountId: string; clientId: string }): Promise<UserinfoRow> {
  const { rows } = await db.query<AccessTokenLiveness & NullableUser>(
    `SELECT ${LIVENESS}, ${userWithGroupsColumns('u')}
     FROM (SELECT 1) AS token LEFT JOIN users u ON u.id = $3::uuid`,
    [token.grantId, token.jti, token.accountId, token.clientId],
  );
  const { grant_live, revoked, user_enabled, user_status, client_exists, ...user } = rows[0]!;
  return { liveness: { grant_live, revoked, user_enabled, user_status, client_exists }, user: user.id === null ? null : (user as UserWithGroupsRow) };
}

/** A user's columns after a LEFT JOIN that found none: every one null. */
type NullableUser = { [K in keyof UserWithGroupsRow]: UserWithGroupsRow[K] | null };
