import type { Queryable } from '../../db/database.js';

/** A key with what verifying a request signed by it needs: the sealed secret and its client's scope. */
export interface AwsAccessKeyRow {
  access_key_id: string;
  client_id: string;
  secret_sealed: string;
  /** The client's allowed scopes (space-separated), from its metadata. */
  scope: string | null;
  /** Whether the key's last recorded use is over a minute old (or there is none): time to record another. */
  stale_use: boolean;
}

export async function insertAwsAccessKey(db: Queryable, key: { accessKeyId: string; clientId: string; secretSealed: string }): Promise<void> {
  await db.query(
    'INSERT INTO aws_access_keys (access_key_id, client_id, secret_sealed) VALUES ($1, $2, $3)',
    [key.accessKeyId, key.clientId, key.secretSealed],
  );
}

/** Removes every key of the client (a rotation replaces them); returns how many there were. */
export async function deleteAwsAccessKeysByClientId(db: Queryable, clientId: string): Promise<number> {
  const { rowCount } = await db.query('DELETE FROM aws_access_keys WHERE client_id = $1', [clientId]);
  return rowCount ?? 0;
}

export async function findAwsAccessKeyById(db: Queryable, accessKeyId: string): Promise<AwsAccessKeyRow | undefined> {
  const { rows } = await db.query<AwsAccessKeyRow>(
    `SELECT k.access_key_id, k.client_id, k.secret_sealed, c.metadata ->> 'scope' AS scope,
            (k.last_used_at IS NULL OR k.last_used_at < now() - interval '1 minute') AS stale_use
       FROM aws_access_keys k JOIN clients c ON c.client_id = k.client_id
      WHERE k.access_key_id = $1`,
    [accessKeyId],
  );
  return rows[0];
}

/** Records a use, at most once a minute per key, so that signed traffic does not write on every request. */
export async function touchAwsAccessKeyById(db: Queryable, accessKeyId: string): Promise<void> {
  await db.query(
    `UPDATE aws_access_keys SET last_used_at = now()
      WHERE access_key_id = $1 AND (last_used_at IS NULL OR last_used_at < now() - interval '1 minute')`,
    [accessKeyId],
  );
}
