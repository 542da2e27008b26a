import type { Queryable } from '../../db/database.js';
import { userWithGroupsColumns, type UserWithGroupsRow } from '../../directory/repositories/user.repository.js';
import {
  LIVENESS_BATCH_ROWS, livenessBatchColumnsWithUser, livenessBatchParameters, type AccessTokenLiveness, type LivenessToken,
} from './access-token-liveness.repository.js';

/** What userinfo reads for a verified access token: its liveness and its user (null when there is none). */
export interface UserinfoRow {
  liveness: AccessTokenLiveness;
  user: UserWithGroupsRow | null;
}

/** A user's token: the verifier found a UUID subject. */
export type UserinfoToken = LivenessToken & { accountId: string };

/** The statement of findUserinfoRows, built once (a text rebuilt per call is hashed again by the statement cache). */
const FIND_USERINFO_ROWS = `SELECT ${livenessBatchColumnsWithUser('u')}, ${userWithGroupsColumns('u')}
   FROM ${LIVENESS_BATCH_ROWS} LEFT JOIN users u ON u.id = t.account_id
   ORDER BY t.ord`;

/**
 * Userinfo's one round trip for any number of tokens (the bridge batches the requests of one turn): each
 * token's liveness (the bridges' shared columns) and its user with groups and linked providers, as the
 * provider's `findAccount` reads them, one row per token in their order (the user's state for liveness from the
 * joined row, not read again). A deleted user gives a null user, and a null state.
 */
export async function findUserinfoRows(db: Queryable, tokens: readonly UserinfoToken[]): Promise<UserinfoRow[]> {
  const { rows } = await db.query<AccessTokenLiveness & NullableUser>(
    FIND_USERINFO_ROWS,
    livenessBatchParameters(tokens),
  );
  return rows.map(({ grant_live, revoked, user_enabled, user_status, client_exists, ...user }) => ({
    liveness: { grant_live, revoked, user_enabled, user_status, client_exists },
    user: user.id === null ? null : (user as UserWithGroupsRow),
  }));
}

/** A user's columns after a LEFT JOIN that found none: every one null. */
type NullableUser = { [K in keyof UserWithGroupsRow]: UserWithGroupsRow[K] | null };
