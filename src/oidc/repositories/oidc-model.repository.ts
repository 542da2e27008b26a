import type { Queryable } from '../../db/database.js';

/** A stored oidc-provider model instance. */
export interface OidcModelRow {
  payload: Record<string, unknown>;
  consumed_at: Date | null;
}

export async function upsertOidcModel(
  db: Queryable,
  row: { model: string; id: string; payload: unknown; grantId: string | null; userCode: string | null; uid: string | null; expiresIn: number | null },
): Promise<void> {
  await db.query(
    `INSERT INTO oidc_model (model, id, payload, grant_id, user_code, uid, expires_at)
     VALUES ($1, $2, $3, $4, $5, $6, CASE WHEN $7::int IS NULL THEN NULL ELSE now() + $7::int * interval '1 second' END)
     ON CONFLICT (model, id) DO UPDATE SET payload = EXCLUDED.payload, grant_id = EXCLUDED.grant_id,
       user_code = EXCLUDED.user_code, uid = EXCLUDED.uid, expires_at = EXCLUDED.expires_at`,
    [row.model, row.id, JSON.stringify(row.payload), row.grantId, row.userCode, row.uid, row.expiresIn],
  );
}

const LIVE = '(expires_at IS NULL OR expires_at > now())';

export async function findOidcModelById(db: Queryable, model: string, id: string): Promise<OidcModelRow | undefined> {
  const { rows } = await db.query<OidcModelRow>(`SELECT payload, consumed_at FROM oidc_model WHERE model = $1 AND id = $2 AND ${LIVE}`, [model, id]);
  return rows[0];
}

export async function findOidcModelByUid(db: Queryable, model: string, uid: string): Promise<OidcModelRow | undefined> {
  const { rows } = await db.query<OidcModelRow>(`SELECT payload, consumed_at FROM oidc_model WHERE model = $1 AND uid = $2 AND ${LIVE}`, [model, uid]);
  return rows[0];
}

export async function findOidcModelByUserCode(db: Queryable, model: string, userCode: string): Promise<OidcModelRow | undefined> {
  const { rows } = await db.query<OidcModelRow>(`SELECT payload, consumed_at FROM oidc_model WHERE model = $1 AND user_code = $2 AND ${LIVE}`, [model, userCode]);
  return rows[0];
}

/**
 * Marks a one-time token consumed. The guard in WHERE makes it atomic: of concurrent redemptions exactly
 * one sees `consumed: true`. Returns the token's grant id so the losers can revoke it.
 */
export async function consumeOidcModel(db: Queryable, model: string, id: string): Promise<{ consumed: boolean; grantId: string | null }> {
  const { rows } = await db.query<{ consumed: boolean; grant_id: string | null }>(
    `WITH consumed AS (
       UPDATE oidc_model SET consumed_at = now() WHERE model = $1 AND id = $2 AND consumed_at IS NULL RETURNING grant_id)
     SELECT EXISTS (SELECT 1 FROM consumed) AS consumed,
            (SELECT grant_id FROM oidc_model WHERE model = $1 AND id = $2) AS grant_id`,
    [model, id],
  );
  return { consumed: rows[0]?.consumed ?? false, grantId: rows[0]?.grant_id ?? null };
}

export async function deleteOidcModel(db: Queryable, model: string, id: string): Promise<void> {
  await db.query('DELETE FROM oidc_model WHERE model = $1 AND id = $2', [model, id]);
}

/**
 * Deletes everything stored for an account: sessions, grants, codes, refresh tokens. With the grants gone,
 * the account's JWT access tokens fail the liveness check too. The expression index makes it one scan
 * of that account's rows (migration 0005).
 */
export async function deleteOidcModelsByAccountId(db: Queryable, accountId: string): Promise<number> {
  const { rowCount } = await db.query(`DELETE FROM oidc_model WHERE payload ? 'accountId' AND payload->>'accountId' = $1`, [accountId]);
  return rowCount;
}

/** Deletes everything stored for a client (its grants and the tokens they carry). */
export async function deleteOidcModelsByClientId(db: Queryable, clientId: string): Promise<number> {
  const { rowCount } = await db.query(`DELETE FROM oidc_model WHERE payload ? 'clientId' AND payload->>'clientId' = $1`, [clientId]);
  return rowCount;
}

export async function deleteOidcModelsByGrantId(db: Queryable, grantId: string): Promise<void> {
  await db.query('DELETE FROM oidc_model WHERE grant_id = $1', [grantId]);
}

export interface AccessTokenLiveness {
  grant_live: boolean;
  revoked: boolean;
  user_enabled: boolean | null;
  client_exists: boolean;
}

/**
 * Liveness of a JWT access token in one round trip, every part an index lookup: its grant still exists
 * (and belongs to the same account and client), its `jti` was not revoked, its user is still enabled and
 * its client still exists. `accountId` must be a UUID or null (the caller checks).
 */
export async function findAccessTokenLiveness(
  db: Queryable,
  token: { grantId: string | null; jti: string; accountId: string | null; clientId: string },
): Promise<AccessTokenLiveness> {
  const { rows } = await db.query<AccessTokenLiveness>(
    `SELECT
       EXISTS (SELECT 1 FROM oidc_model WHERE model = 'Grant' AND id = $1 AND ${LIVE}
               AND payload->>'accountId' = $3 AND payload->>'clientId' = $4) AS grant_live,
       EXISTS (SELECT 1 FROM oidc_model WHERE model = 'RevokedAccessToken' AND id = $2) AS revoked,
       (SELECT enabled FROM users WHERE id = $3::uuid) AS user_enabled,
       EXISTS (SELECT 1 FROM clients WHERE client_id = $4) AS client_exists`,
    [token.grantId, token.jti, token.accountId, token.clientId],
  );
  return rows[0]!;
}

/** Remembers a revoked JWT access token until it would have expired anyway. */
export async function insertRevokedAccessToken(db: Queryable, jti: string, expiresIn: number): Promise<void> {
  await db.query(
    `INSERT INTO oidc_model (model, id, payload, expires_at) VALUES ('RevokedAccessToken', $1, '{}', now() + $2::int * interval '1 second')
     ON CONFLICT (model, id) DO NOTHING`,
    [jti, Math.max(1, Math.ceil(expiresIn))],
  );
}

/** Deletes expired rows in bounded batches; returns how many went. */
export async function deleteExpiredOidcModels(db: Queryable, batchSize: number): Promise<number> {
  const { rowCount } = await db.query(
    `DELETE FROM oidc_model WHERE ctid IN (SELECT ctid FROM oidc_model WHERE expires_at < now() LIMIT $1)`,
    [batchSize],
  );
  return rowCount;
}
