import type { Queryable } from '../../db/database.js';

export interface ClientRow {
  client_id: string;
  name: string;
  client_secret_hash: string | null;
  metadata: Record<string, unknown>;
  created_at: Date;
}

export async function insertClient(db: Queryable, client: { clientId: string; name: string; secretHash: string | null; metadata: Record<string, unknown> }): Promise<ClientRow> {
  const { rows } = await db.query<ClientRow>(
    `INSERT INTO clients (client_id, name, client_secret_hash, metadata) VALUES ($1, $2, $3, $4)
     RETURNING client_id, name, client_secret_hash, metadata, created_at`,
    [client.clientId, client.name, client.secretHash, JSON.stringify(client.metadata)],
  );
  return rows[0]!;
}

/** Inserts a client, or replaces the name and metadata of the one with that id (Latchkey's own clients). */
export async function upsertClient(db: Queryable, client: { clientId: string; name: string; metadata: Record<string, unknown> }): Promise<void> {
  await db.query(
    `INSERT INTO clients (client_id, name, client_secret_hash, metadata) VALUES ($1, $2, NULL, $3)
     ON CONFLICT (client_id) DO UPDATE SET name = EXCLUDED.name, client_secret_hash = NULL, metadata = EXCLUDED.metadata`,
    [client.clientId, client.name, JSON.stringify(client.metadata)],
  );
}

export async function findClientById(db: Queryable, clientId: string): Promise<ClientRow | undefined> {
  const { rows } = await db.query<ClientRow>(
    'SELECT client_id, name, client_secret_hash, metadata, created_at FROM clients WHERE client_id = $1',
    [clientId],
  );
  return rows[0];
}

export async function listClients(db: Queryable): Promise<ClientRow[]> {
  const { rows } = await db.query<ClientRow>('SELECT client_id, name, client_secret_hash, metadata, created_at FROM clients ORDER BY created_at');
  return rows;
}

export async function deleteClientById(db: Queryable, clientId: string): Promise<boolean> {
  const { rowCount } = await db.query('DELETE FROM clients WHERE client_id = $1', [clientId]);
  return rowCount === 1;
}

/** A client as the provider needs it: its row and the digest of the secret it had before a rotation. */
export interface ClientForProviderRow extends ClientRow {
  previous_secret_hash: string | null;
  previous_secret_expires_at: Date | null;
}

/**
 * The client for the provider: its row and, with its expiry, the digest of the secret it had before
 * `client rotate-secret` (the caller decides whether the grace period still lasts, at each use, so that a
 * cached row cannot extend it).
 */
export async function findClientForProvider(db: Queryable, clientId: string): Promise<ClientForProviderRow | undefined> {
  const { rows } = await db.query<ClientForProviderRow>(
    `SELECT client_id, name, client_secret_hash, metadata, created_at, previous_secret_hash, previous_secret_expires_at
     FROM clients WHERE client_id = $1`,
    [clientId],
  );
  return rows[0];
}
