import type { Queryable } from '../../db/database.js';

/** What an ID token's liveness needs: the grant it came from, still live, and the user's account state. */
export interface IdTokenLiveness {
  grant_id: string | null;
  user_enabled: boolean | null;
  user_status: string | null;
}

/**
 * The live grant an ID token came from, with the user's account state. A token that names its grant
 * (`origin_jti`, Cognito-claims clients) is checked against that grant exactly. Otherwise the grant is
 * inferred: the newest live grant of the user to the client that is not younger than the token (`iat`).
 * A sign-out everywhere or of that app deletes the grants, and a later sign-in makes a younger one, so a
 * token issued before the sign-out finds none; `iat` has whole seconds, so a token issued, signed out and
 * followed by a new sign-in all within one second would still be taken (the named grant closes that).
 * The grant's id is what the issuance's own liveness check then takes (the same SQL as an access token's).
 */
export async function findIdTokenLiveness(db: Queryable, token: { accountId: string; clientId: string; iat: number; grantId?: string | undefined }): Promise<IdTokenLiveness> {
  const { rows } = await db.query<IdTokenLiveness>(
    `SELECT (SELECT grant_id FROM oidc_model
              WHERE model = 'Grant' AND ($4::text IS NULL OR grant_id = $4::text)
                AND payload ? 'accountId' AND payload->>'accountId' = $1::text AND payload->>'clientId' = $2::text
                AND (expires_at IS NULL OR expires_at > now()) AND (payload->>'iat')::bigint <= $3::bigint
              ORDER BY (payload->>'iat')::bigint DESC LIMIT 1) AS grant_id,
            (SELECT enabled FROM users WHERE id = $1::uuid) AS user_enabled,
            (SELECT status FROM users WHERE id = $1::uuid) AS user_status`,
    [token.accountId, token.clientId, token.iat, token.grantId ?? null],
  );
  return rows[0]!;
}
