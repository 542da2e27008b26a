import type { Queryable } from '../../db/database.js';

/** What changing a client's settings reads first: its name, metadata and whether it has a secret. */
export interface ClientSettingsRow {
  client_id: string;
  name: string;
  metadata: Record<string, unknown>;
  has_secret: boolean;
}

/** The client, locked for the change that follows in the same transaction. */
export async function findClientSettingsForUpdate(db: Queryable, clientId: string): Promise<ClientSettingsRow | undefined> {
  const { rows } = await db.query<ClientSettingsRow>(
    'SELECT client_id, name, metadata, client_secret_hash IS NOT NULL AS has_secret FROM clients WHERE client_id = $1 FOR UPDATE',
    [clientId],
  );
  return rows[0];
}

/** Replaces the name and metadata; the secret columns are never touched here. */
export async function updateClientSettingsById(db: Queryable, clientId: string, name: string, metadata: Record<string, unknown>): Promise<boolean> {
  const { rowCount } = await db.query(
    'UPDATE clients SET name = $2, metadata = $3, updated_at = now() WHERE client_id = $1',
    [clientId, name, JSON.stringify(metadata)],
  );
  return rowCount === 1;
}

/**
 * Replaces a confidential client's secret digest. With `graceSeconds` above 0 the current digest becomes the
 * previous one, honoured until then (replacing any earlier previous one); with 0 the current digest stops
 * working at once and no previous one is kept. Returns the previous secret's expiry (null: none), or
 * undefined when there is no such confidential client.
 */
export async function rotateClientSecretById(db: Queryable, clientId: string, newHash: string, graceSeconds: number): Promise<{ previous_secret_expires_at: Date | null } | undefined> {
  const { rows } = await db.query<{ previous_secret_expires_at: Date | null }>(
    `UPDATE clients SET
       previous_secret_hash = CASE WHEN $3::int > 0 THEN client_secret_hash END,
       previous_secret_expires_at = CASE WHEN $3::int > 0 THEN now() + make_interval(secs => $3::int) END,
       client_secret_hash = $2, updated_at = now()
     WHERE client_id = $1 AND client_secret_hash IS NOT NULL
     RETURNING previous_secret_expires_at`,
    [clientId, newHash, graceSeconds],
  );
  return rows[0];
}
