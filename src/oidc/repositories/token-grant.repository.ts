import { arrayParameter } from '../../db/array-parameter.js';
import type { Queryable } from '../../db/database.js';
import { userWithGroupsColumns } from '../../directory/repositories/user.repository.js';
import type { ActingUserRow } from '../find-account.js';
import { LIVE, liveSessionOf, type OidcModelRow } from './oidc-model.repository.js';

/** The stored forms of the presented token's id, in `$1` of both statements (a plan kept whatever their number: db/array-parameter.ts). */
const TOKEN_KEYS = arrayParameter('$1', 'text');

/**
 * The statement of findGrantTokenWithContext: $1 the token's stored ids, $2 its model. Both statements' texts
 * are built once, at load: the statement cache (db/statement-names.ts) looks each text up by value, and a text
 * rebuilt per call is a new string to hash and compare on every grant.
 */
const FIND_GRANT_TOKEN_WITH_CONTEXT = `SELECT t.payload, t.consumed_at, gr.grant_id, gr.payload AS grant_payload, se.payload AS session_payload, ${userWithGroupsColumns('u')}
     FROM oidc_model t
     LEFT JOIN LATERAL (
       SELECT grant_id, payload FROM oidc_model
        WHERE model = 'Grant' AND grant_id = t.grant_id AND ${LIVE}
        ORDER BY id LIMIT 1) gr ON true
     ${liveSessionOf('t')}
     LEFT JOIN users u ON u.id = CASE WHEN t.payload->>'accountId' ~ '^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$'
                                      THEN (t.payload->>'accountId')::uuid END
    WHERE t.model = $2 AND t.id = ANY(${TOKEN_KEYS}) AND (t.expires_at IS NULL OR t.expires_at > now())
    ORDER BY array_position(${TOKEN_KEYS}, t.id) LIMIT 1`;

/** The statement of consumeAndIssueRefreshToken: $1 the spent ids, $2 their model, $3–$7 the new token. */
const CONSUME_AND_ISSUE_REFRESH_TOKEN = `WITH spent AS (
     UPDATE oidc_model SET consumed_at = now()
      WHERE model = $2 AND id = ANY(${TOKEN_KEYS}) AND consumed_at IS NULL RETURNING 1),
   issued AS (
     INSERT INTO oidc_model (model, id, payload, grant_id, session_uid, expires_at)
     SELECT 'RefreshToken', $3, $4, $5, $6, CASE WHEN $7::int IS NULL THEN NULL ELSE now() + $7::int * interval '1 second' END
      WHERE EXISTS (SELECT 1 FROM spent)
     RETURNING 1)
   SELECT EXISTS (SELECT 1 FROM issued) AS issued,
          (SELECT grant_id FROM oidc_model WHERE model = $2 AND id = ANY(${TOKEN_KEYS}) LIMIT 1) AS grant_id`;

/** The two models a token-endpoint grant presents and consumes. */
export type GrantTokenModel = 'AuthorizationCode' | 'RefreshToken';

/** An authorization code or refresh token with what its grant needs next: the grant's, the session's and the account's rows. */
export interface GrantTokenWithContext {
  token: OidcModelRow;
  /** The live Grant row named by the token's `grant_id` column, with that raw id; null when none is live. */
  grant: { id: string; payload: Record<string, unknown> } | null;
  /** The live Session row named by the token's `session_uid` column; null when none is live (or none is named). */
  session: { payload: Record<string, unknown> } | null;
  /** The user named by the token's `accountId`, as the directory stores it; null when there is none. */
  user: ActingUserRow | null;
}

interface Row extends OidcModelRow, Omit<ActingUserRow, 'id'> {
  id: string | null;
  grant_id: string | null;
  grant_payload: Record<string, unknown> | null;
  session_payload: Record<string, unknown> | null;
}

/**
 * The code or refresh token (`ids` being its stored forms, in order of preference) with its grant, its session
 * and its account, in one round trip instead of four: the grant by the raw id in `grant_id` (index from
 * migration 0008), the session by the stored uid in `session_uid` (migration 0033; the `(model, uid)` index),
 * the user by the clear `accountId` (only when it is a UUID: the cast is guarded) with the directory's own
 * select-list, so that it is the row findActingUser reads. The "may act" rule is applied by the caller.
 */
export async function findGrantTokenWithContext(db: Queryable, model: GrantTokenModel, ids: readonly string[]): Promise<GrantTokenWithContext | undefined> {
  const { rows } = await db.query<Row>(
    FIND_GRANT_TOKEN_WITH_CONTEXT,
    [ids, model],
  );
  const row = rows[0];
  if (!row) return undefined;
  const { payload, consumed_at, grant_id, grant_payload, session_payload, id, ...user } = row;
  return {
    token: { payload, consumed_at },
    grant: grant_id !== null && grant_payload !== null ? { id: grant_id, payload: grant_payload } : null,
    session: session_payload === null ? null : { payload: session_payload },
    user: id === null ? null : { ...user, id },
  };
}

/** A refresh token issued in exchange for a spent code or refresh token, as the adapter stores any model instance. */
export interface IssuedRefreshToken {
  id: string;
  payload: unknown;
  grantId: string | null;
  /** The stored uid of the session the token is bound to. */
  sessionUid: string | null;
  expiresIn: number | null;
}

/**
 * The exchange in one statement: marks the spent code or refresh token consumed (`spent.ids` being its stored
 * forms) with the guard in WHERE, and inserts the refresh token issued for it only when that UPDATE took. Of
 * concurrent redemptions of one token exactly one gets `issued: true`; the others get the spent token's grant
 * id, to revoke it. The new token's id is new (a random id, hashed), so it has no stale copies to replace as
 * upsertOidcModel does; the statement is atomic, so a failed insert leaves the spent token unconsumed.
 */
export async function consumeAndIssueRefreshToken(
  db: Queryable,
  spent: { model: GrantTokenModel; ids: readonly string[] },
  next: IssuedRefreshToken,
): Promise<{ issued: boolean; grantId: string | null }> {
  const { rows } = await db.query<{ issued: boolean; grant_id: string | null }>(
    CONSUME_AND_ISSUE_REFRESH_TOKEN,
    [spent.ids, spent.model, next.id, JSON.stringify(next.payload), next.grantId, next.sessionUid, next.expiresIn],
  );
  return { issued: rows[0]?.issued ?? false, grantId: rows[0]?.grant_id ?? null };
}
