import type { Queryable } from '../../db/database.js';

/** What an ID token's liveness needs: the grant it came from, still live, and the user's account state. */
export interface IdTokenLiveness {
  grant_id: string | null;
  user_enabled: boolean | null;
  user_status: string | null;
}

/**
 * The newest live grant of the user to the client that is not younger than the ID token (`iat`), with the
 * user's account state. A sign-out everywhere or of that app deletes the grants, and a later sign-in makes a
 * younger one, so an ID token issued before the sign-out finds none. The grant's id is what the issuance's
 * own liveness check then takes (the same SQL as an access token's).
 */
export async function findIdTokenLiveness(db: Queryable, token: { accountId: string; clientId: string; iat: number }): Promise<IdTokenLiveness> {
  const { rows } = await db.query<IdTokenLiveness>(
    `SELECT (SELECT grant_id FROM oidc_model
              WHERE model = 'Grant' AND payload ? 'accountId' AND payload->>'accountId' = $1::text AND payload->>'clientId' = $2::text
                AND (expires_at IS NULL OR expires_at > now()) AND (payload->>'iat')::bigint <= $3::bigint
              ORDER BY (payload->>'iat')::bigint DESC LIMIT 1) AS grant_id,
            (SELECT enabled FROM users WHERE id = $1::uuid) AS user_enabled,
            (SELECT status FROM users WHERE id = $1::uuid) AS user_status`,
    [token.accountId, token.clientId, token.iat],
  );
  return rows[0]!;
}
