import { arrayParameter } from '../../db/array-parameter.js';
import type { Queryable } from '../../db/database.js';
import { userWithGroupsColumns } from '../../directory/repositories/user.repository.js';
import type { ActingUserRow } from '../find-account.js';
import type { OidcModelRow } from './oidc-model.repository.js';

/** The stored forms of the refresh token's id, in `$1` of both statements (a plan kept whatever their number: db/array-parameter.ts). */
const TOKEN_KEYS = arrayParameter('$1', 'text');

/** A refresh token with what its grant needs next: the grant's row and the account's. */
export interface RefreshTokenWithContext {
  token: OidcModelRow;
  /** The live Grant row named by the token's `grant_id` column, with that raw id; null when none is live. */
  grant: { id: string; payload: Record<string, unknown> } | null;
  /** The user named by the token's `accountId`, as the directory stores it; null when there is none. */
  user: ActingUserRow | null;
}

interface Row extends OidcModelRow, Omit<ActingUserRow, 'id'> {
  id: string | null;
  grant_id: string | null;
  grant_payload: Record<string, unknown> | null;
}

/**
 * The refresh token (`ids` being its stored forms, in order of preference) with its grant and its account, in
 * one round trip instead of three: the grant by the raw id in `grant_id` (index from migration 0008), the
 * user by the clear `accountId` (only when it is a UUID: the cast is guarded) with the directory's own
 * select-list, so that it is the row findActingUser reads. The "may act" rule is applied by the caller.
 */
export async function findRefreshTokenWithContext(db: Queryable, ids: readonly string[]): Promise<RefreshTokenWithContext | undefined> {
  const { rows } = await db.query<Row>(
    `SELECT rt.payload, rt.consumed_at, gr.grant_id, gr.payload AS grant_payload, ${userWithGroupsColumns('u')}
       FROM oidc_model rt
       LEFT JOIN LATERAL (
         SELECT grant_id, payload FROM oidc_model
          WHERE model = 'Grant' AND grant_id = rt.grant_id AND (expires_at IS NULL OR expires_at > now())
          ORDER BY id LIMIT 1) gr ON true
       LEFT JOIN users u ON u.id = CASE WHEN rt.payload->>'accountId' ~ '^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$'
                                        THEN (rt.payload->>'accountId')::uuid END
      WHERE rt.model = 'RefreshToken' AND rt.id = ANY(${TOKEN_KEYS}) AND (rt.expires_at IS NULL OR rt.expires_at > now())
      ORDER BY array_position(${TOKEN_KEYS}, rt.id) LIMIT 1`,
    [ids],
  );
  const row = rows[0];
  if (!row) return undefined;
  const { payload, consumed_at, grant_id, grant_payload, id, ...user } = row;
  return {
    token: { payload, consumed_at },
    grant: grant_id !== null && grant_payload !== null ? { id: grant_id, payload: grant_payload } : null,
    user: id === null ? null : { ...user, id },
  };
}

/** The successor of a spent refresh token, as the adapter stores any model instance. */
export interface RotatedRefreshToken {
  id: string;
  payload: unknown;
  grantId: string | null;
  expiresIn: number | null;
}

/**
 * Rotation in one statement: marks the spent refresh token consumed (`spentIds` being its stored forms) with
 * the guard in WHERE, and inserts its successor only when that UPDATE took. Of concurrent rotations of one
 * token exactly one gets `rotated: true`; the others get the spent token's grant id, to revoke it. The
 * successor's id is new (a random id, hashed), so it has no stale copies to replace as upsertOidcModel does;
 * the statement is atomic, so a failed insert leaves the spent token unconsumed.
 */
export async function rotateRefreshToken(db: Queryable, spentIds: readonly string[], next: RotatedRefreshToken): Promise<{ rotated: boolean; grantId: string | null }> {
  const { rows } = await db.query<{ rotated: boolean; grant_id: string | null }>(
    `WITH spent AS (
       UPDATE oidc_model SET consumed_at = now()
        WHERE model = 'RefreshToken' AND id = ANY(${TOKEN_KEYS}) AND consumed_at IS NULL RETURNING 1),
     issued AS (
       INSERT INTO oidc_model (model, id, payload, grant_id, expires_at)
       SELECT 'RefreshToken', $2, $3, $4, CASE WHEN $5::int IS NULL THEN NULL ELSE now() + $5::int * interval '1 second' END
        WHERE EXISTS (SELECT 1 FROM spent)
       RETURNING 1)
     SELECT EXISTS (SELECT 1 FROM issued) AS rotated,
            (SELECT grant_id FROM oidc_model WHERE model = 'RefreshToken' AND id = ANY(${TOKEN_KEYS}) LIMIT 1) AS grant_id`,
    [spentIds, next.id, JSON.stringify(next.payload), next.grantId, next.expiresIn],
  );
  return { rotated: rows[0]?.rotated ?? false, grantId: rows[0]?.grant_id ?? null };
}
