import type { Queryable } from '../../db/database.js';

/** A generic upstream provider as stored. The sealed secret never leaves the registry. */
export interface UpstreamProviderRow {
  name: string;
  display_name: string;
  issuer: string;
  client_id: string;
  client_secret_sealed: string | null;
  scopes: string;
  claim_mapping: Record<string, string>;
  trusts_email_verification: boolean;
  created_at: Date;
  updated_at: Date;
}

export type NewUpstreamProvider = Omit<UpstreamProviderRow, 'created_at' | 'updated_at'>;

const COLUMNS = 'name, display_name, issuer, client_id, client_secret_sealed, scopes, claim_mapping, trusts_email_verification, created_at, updated_at';

/** Inserts a provider unless one of that name exists (create never overwrites); undefined when it does. */
export async function insertUpstreamProvider(db: Queryable, p: NewUpstreamProvider): Promise<UpstreamProviderRow | undefined> {
  const { rows } = await db.query<UpstreamProviderRow>(
    `INSERT INTO upstream_providers (name, display_name, issuer, client_id, client_secret_sealed, scopes, claim_mapping, trusts_email_verification)
     VALUES ($1, $2, $3, $4, $5, $6, $7::jsonb, $8)
     ON CONFLICT (name) DO NOTHING
     RETURNING ${COLUMNS}`,
    [p.name, p.display_name, p.issuer, p.client_id, p.client_secret_sealed, p.scopes, JSON.stringify(p.claim_mapping), p.trusts_email_verification],
  );
  return rows[0];
}

export async function findUpstreamProviderByName(db: Queryable, name: string): Promise<UpstreamProviderRow | undefined> {
  const { rows } = await db.query<UpstreamProviderRow>(`SELECT ${COLUMNS} FROM upstream_providers WHERE name = $1`, [name]);
  return rows[0];
}

export async function listUpstreamProviders(db: Queryable): Promise<UpstreamProviderRow[]> {
  const { rows } = await db.query<UpstreamProviderRow>(`SELECT ${COLUMNS} FROM upstream_providers ORDER BY name`);
  return rows;
}

/** Replaces a provider's settings and sealed secret (its name and claim mapping stay); undefined when there is none. */
export async function updateUpstreamProviderByName(
  db: Queryable, name: string,
  p: Pick<UpstreamProviderRow, 'display_name' | 'issuer' | 'client_id' | 'client_secret_sealed' | 'scopes' | 'trusts_email_verification'>,
): Promise<UpstreamProviderRow | undefined> {
  const { rows } = await db.query<UpstreamProviderRow>(
    `UPDATE upstream_providers SET display_name = $2, issuer = $3, client_id = $4, client_secret_sealed = $5, scopes = $6,
       trusts_email_verification = $7, updated_at = now()
     WHERE name = $1 RETURNING ${COLUMNS}`,
    [name, p.display_name, p.issuer, p.client_id, p.client_secret_sealed, p.scopes, p.trusts_email_verification],
  );
  return rows[0];
}

/** Deletes a provider; its identities stay (and so do their users). Returns the deleted row. */
export async function deleteUpstreamProviderByName(db: Queryable, name: string): Promise<UpstreamProviderRow | undefined> {
  const { rows } = await db.query<UpstreamProviderRow>(`DELETE FROM upstream_providers WHERE name = $1 RETURNING ${COLUMNS}`, [name]);
  return rows[0];
}
