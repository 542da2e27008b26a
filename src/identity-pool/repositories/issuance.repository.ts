import type { Queryable } from '../../db/database.js';

export interface IssuanceRow {
  user_id: string;
  client_id: string;
  role_name: string;
  access_key_id: string;
  channel: 'credentials' | 'aws-sts';
  issued_at: Date;
  expires_at: Date;
}

export async function insertIssuance(db: Queryable, issuance: Omit<IssuanceRow, 'issued_at'>): Promise<void> {
  await db.query(
    'INSERT INTO credential_issuances (user_id, client_id, role_name, access_key_id, channel, expires_at) VALUES ($1, $2, $3, $4, $5, $6)',
    [issuance.user_id, issuance.client_id, issuance.role_name, issuance.access_key_id, issuance.channel, issuance.expires_at],
  );
}

export async function findIssuanceByAccessKey(db: Queryable, accessKeyId: string): Promise<IssuanceRow | undefined> {
  const { rows } = await db.query<IssuanceRow>(
    'SELECT user_id, client_id, role_name, access_key_id, channel, issued_at, expires_at FROM credential_issuances WHERE access_key_id = $1',
    [accessKeyId],
  );
  return rows[0];
}

export async function listIssuancesByUser(db: Queryable, userId: string, limit: number): Promise<IssuanceRow[]> {
  const { rows } = await db.query<IssuanceRow>(
    `SELECT user_id, client_id, role_name, access_key_id, channel, issued_at, expires_at FROM credential_issuances
     WHERE user_id = $1 ORDER BY issued_at DESC LIMIT $2`,
    [userId, limit],
  );
  return rows;
}
