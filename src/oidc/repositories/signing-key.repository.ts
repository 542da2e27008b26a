import type { Queryable } from '../../db/database.js';

export interface SigningKeyRow {
  kid: string;
  alg: string;
  public_jwk: Record<string, unknown>;
  private_jwk_sealed: string;
  created_at: Date;
  retired_at: Date | null;
  unpublish_at: Date | null;
}

const COLUMNS = 'kid, alg, public_jwk, private_jwk_sealed, created_at, retired_at, unpublish_at';

/** Keys still published: the active ones (newest first) then retired ones whose tokens may be alive. */
export async function findPublishedSigningKeys(db: Queryable): Promise<SigningKeyRow[]> {
  const { rows } = await db.query<SigningKeyRow>(
    `SELECT ${COLUMNS} FROM signing_keys WHERE retired_at IS NULL OR unpublish_at > now()
     ORDER BY (retired_at IS NULL) DESC, created_at DESC`,
  );
  return rows;
}

export async function insertSigningKey(db: Queryable, key: { kid: string; alg: string; publicJwk: object; privateJwkSealed: string }): Promise<void> {
  await db.query(
    'INSERT INTO signing_keys (kid, alg, public_jwk, private_jwk_sealed) VALUES ($1, $2, $3, $4)',
    [key.kid, key.alg, JSON.stringify(key.publicJwk), key.privateJwkSealed],
  );
}

export async function retireActiveSigningKeys(db: Queryable, publishForSeconds: number): Promise<number> {
  const { rowCount } = await db.query(
    `UPDATE signing_keys SET retired_at = now(), unpublish_at = now() + $1::int * interval '1 second' WHERE retired_at IS NULL`,
    [publishForSeconds],
  );
  return rowCount;
}

/** A cheap fingerprint of the key set, polled by replicas to notice a rotation. */
export async function findSigningKeySetVersion(db: Queryable): Promise<string> {
  const { rows } = await db.query<{ version: string }>(
    `SELECT coalesce(string_agg(kid || ':' || coalesce(retired_at::text, 'live'), ',' ORDER BY kid), '') AS version
     FROM signing_keys WHERE retired_at IS NULL OR unpublish_at > now()`,
  );
  return rows[0]?.version ?? '';
}

/** Takes a transaction-scoped advisory lock so two first starts do not both create a key. */
export async function lockSigningKeys(db: Queryable): Promise<void> {
  await db.query('SELECT pg_advisory_xact_lock($1)', [7_256_002]);
}
