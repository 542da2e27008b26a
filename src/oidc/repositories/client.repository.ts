import type { AdapterPayload } from 'oidc-provider';
import type { Database, Queryable } from '../../db/database.js';
import { SUPPORTED_SCOPES, requestableScopes } from '../claims.js';

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

/**
 * The client for the provider: its row and, while its grace period lasts, the digest of the secret it had
 * before `client rotate-secret` (the expiry is decided here, in SQL, so every replica agrees).
 */
async function findClientForProvider(db: Queryable, clientId: string): Promise<(ClientRow & { previous_secret_hash: string | null }) | undefined> {
  const { rows } = await db.query<ClientRow & { previous_secret_hash: string | null }>(
    `SELECT client_id, name, client_secret_hash, metadata, created_at,
       CASE WHEN previous_secret_expires_at > now() THEN previous_secret_hash END AS previous_secret_hash
     FROM clients WHERE client_id = $1`,
    [clientId],
  );
  return rows[0];
}

// eslint-disable-next-line no-control-regex -- matching control characters is the point
const CONTROL_CHARACTER = /[\u0000-\u001f\u007f]/;

/** What the provider's Client adapter needs: metadata as oidc-provider expects it. */
export interface ClientRepository {
  findProviderMetadata(clientId: string): Promise<AdapterPayload | undefined>;
}

export function createClientRepository(db: Database): ClientRepository {
  return {
    async findProviderMetadata(clientId) {
      // A NUL byte is not valid text to Postgres, which would answer with an error instead of "no such
      // client"; no Latchkey client id holds a control character.
      if (clientId.length > 200 || CONTROL_CHARACTER.test(clientId)) return undefined;
      const row = await findClientForProvider(db, clientId);
      if (!row) return undefined;
      // The provider sees the secret's SHA-256 digest in place of the secret; `compareClientSecret` is
      // overridden to hash what the client presents (see provider-factory.ts). Symmetric algorithms that
      // would key on the secret (HS*, client_secret_jwt) are disabled, so the digest is never a key.
      // oidc-provider validates `scope` against its static scope list, so it gets only the OIDC scopes;
      // the full list (API scopes included) travels as `latchkey_scopes` and bounds resource-server scopes.
      const allScopes = requestableScopes((typeof row.metadata.scope === 'string' ? row.metadata.scope : '').split(' ').filter(Boolean));
      const staticScopes = allScopes.filter((s) => (SUPPORTED_SCOPES as readonly string[]).includes(s));
      return {
        ...row.metadata,
        scope: staticScopes.length ? staticScopes.join(' ') : undefined,
        latchkey_scopes: allScopes.join(' '),
        client_id: row.client_id,
        client_name: row.name,
        ...(row.client_secret_hash ? { client_secret: row.client_secret_hash } : {}),
        // Checked by the same `compareClientSecret` as the current one, only while the rotation's grace lasts.
        ...(row.client_secret_hash && row.previous_secret_hash ? { latchkey_previous_secret: row.previous_secret_hash } : {}),
      };
    },
  };
}
