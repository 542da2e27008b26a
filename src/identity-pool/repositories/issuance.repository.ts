import { ASYNC_COMMIT } from '../../db/async-commit.js';
import type { Queryable, StatementChange } from '../../db/database.js';

export interface IssuanceRow {
  /** Null for a guest of the identity-pool API, whose issuance names its identity instead. */
  user_id: string | null;
  /** The Cognito identity (its UUID) the credentials were issued to, through the identity-pool API. */
  identity_id: string | null;
  /** Null for a guest, who signed in to no client. */
  client_id: string | null;
  role_name: string;
  /** Null while the object store mints the credentials (a pending issuance), or if it failed to. */
  access_key_id: string | null;
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

/** What a pending issuance records before the object store answers: everything but the access key. */
export type PendingIssuance = Omit<IssuanceRow, 'issued_at' | 'access_key_id' | 'expires_at'> & { durationSeconds: number };

/**
 * Records an issuance whose credentials are being minted, durably (a normal commit), and returns its id. Its
 * expiry is an upper bound (the duration asked for, plus five minutes for the object store's clock), so a
 * revocation finds its tag for as long as the credentials can live; the completion sets the exact one.
 */
export async function insertPendingIssuance(db: Queryable, issuance: PendingIssuance): Promise<string> {
  const { rows } = await db.query<{ id: string }>(
    `INSERT INTO credential_issuances (user_id, identity_id, client_id, role_name, channel, revoke_type, expires_at)
     VALUES ($1, $2, $3, $4, $5, $6, now() + ($7::int + 300) * interval '1 second') RETURNING id`,
    [issuance.user_id, issuance.identity_id, issuance.client_id, issuance.role_name, issuance.channel, issuance.revoke_type, issuance.durationSeconds],
  );
  return rows[0]!.id;
}

/**
 * The completion of a pending issuance as a statement (its audit event goes with it, in one statement): the
 * access key id and the exact expiry. It commits without waiting for the WAL flush ({@link ASYNC_COMMIT}):
 * the durable part, the row revocation reads, committed before.
 */
export function issuanceCompletion(id: string, credentials: { accessKeyId: string; expiration: Date }): StatementChange {
  return {
    sql: `UPDATE credential_issuances SET access_key_id = $2, expires_at = $3
          FROM (SELECT ${ASYNC_COMMIT} AS relaxed) AS commit_mode WHERE id = $1 AND commit_mode.relaxed`,
    params: [id, credentials.accessKeyId, credentials.expiration],
  };
}

/** Removes a pending issuance whose credentials were never minted (the object store failed or refused). */
export async function deletePendingIssuance(db: Queryable, id: string): Promise<void> {
  await db.query('DELETE FROM credential_issuances WHERE id = $1 AND access_key_id IS NULL', [id]);
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
