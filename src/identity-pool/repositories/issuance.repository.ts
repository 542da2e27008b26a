import type { Queryable } from '../../db/database.js';

export interface IssuanceRow {
  /** Null for a guest of the identity-pool API, whose issuance names its identity instead. */
  user_id: string | null;
  /** The Cognito identity (its UUID) the credentials were issued to, through the identity-pool API. */
  identity_id: string | null;
  /** Null for a guest, who signed in to no client. */
  client_id: string | null;
  role_name: string;
  access_key_id: string;
  channel: 'credentials' | 'aws-sts' | 'cognito-identity';
  /** The MinIO TokenRevokeType the credentials carry; null for issuances recorded before per-grant tags. */
  revoke_type: string | null;
  issued_at: Date;
  expires_at: Date;
}

const COLUMNS = 'user_id, identity_id, client_id, role_name, access_key_id, channel, revoke_type, issued_at, expires_at';

/** The issuance's INSERT as a statement, for recording it together with its audit event in one statement. */
export function issuanceInsert(issuance: Omit<IssuanceRow, 'issued_at'>): { sql: string; params: unknown[] } {
  return {
    sql: 'INSERT INTO credential_issuances (user_id, identity_id, client_id, role_name, access_key_id, channel, revoke_type, expires_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8)',
    params: [issuance.user_id, issuance.identity_id, issuance.client_id, issuance.role_name, issuance.access_key_id, issuance.channel, issuance.revoke_type, issuance.expires_at],
  };
}

export async function findIssuanceByAccessKey(db: Queryable, accessKeyId: string): Promise<IssuanceRow | undefined> {
  const { rows } = await db.query<IssuanceRow>(`SELECT ${COLUMNS} FROM credential_issuances WHERE access_key_id = $1`, [accessKeyId]);
  return rows[0];
}

export async function listIssuancesByUser(db: Queryable, userId: string, limit: number): Promise<IssuanceRow[]> {
  const { rows } = await db.query<IssuanceRow>(
    `SELECT ${COLUMNS} FROM credential_issuances WHERE user_id = $1 ORDER BY issued_at DESC LIMIT $2`,
    [userId, limit],
  );
  return rows;
}

/**
 * Every distinct tag the user's unexpired credentials carry: what a user-wide revocation must name, one
 * revoke call each. Issuances recorded without a tag count as `untaggedType` (the per-user tag they carry).
 */
export async function listLiveRevokeTypesByUser(db: Queryable, userId: string, untaggedType: string): Promise<string[]> {
  const { rows } = await db.query<{ revoke_type: string }>(
    `SELECT DISTINCT COALESCE(revoke_type, $2) AS revoke_type FROM credential_issuances
     WHERE user_id = $1 AND expires_at > now() ORDER BY 1`,
    [userId, untaggedType],
  );
  return rows.map((r) => r.revoke_type);
}
