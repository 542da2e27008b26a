import type { Queryable } from '../../db/database.js';

/** Where a published key stands at a given time: not yet signing, signing, or only verifying what it signed. */
export type SigningKeyState = 'pending' | 'signing' | 'retired';

export interface SigningKeyRow {
  kid: string;
  alg: string;
  public_jwk: Record<string, unknown>;
  private_jwk_sealed: string;
  created_at: Date;
  activates_at: Date;
  retired_at: Date | null;
  unpublish_at: Date | null;
  state: SigningKeyState;
}

/**
 * A key's state at `$1`, from its times alone (so every replica agrees without being told): retired once
 * `retired_at` has passed (a staged rotation sets it ahead of time), pending before `activates_at`, else signing.
 */
const STATE_AT = `CASE WHEN retired_at IS NOT NULL AND retired_at <= $1 THEN 'retired'
  WHEN activates_at > $1 THEN 'pending' ELSE 'signing' END`;
/** Published at `$1`: not yet past `unpublish_at` (a key that never retired has none). */
const PUBLISHED_AT = '(unpublish_at IS NULL OR unpublish_at > $1)';

/**
 * The keys published at `at`: signing keys first (the newest first if an algorithm had two), then pending
 * ones, then retired ones. oidc-provider signs with the first key of an algorithm in this order.
 */
export async function findPublishedSigningKeys(db: Queryable, at: Date): Promise<SigningKeyRow[]> {
  const { rows } = await db.query<SigningKeyRow>(
    `SELECT kid, alg, public_jwk, private_jwk_sealed, created_at, activates_at, retired_at, unpublish_at, state
     FROM (SELECT *, ${STATE_AT} AS state FROM signing_keys WHERE ${PUBLISHED_AT}) AS k
     ORDER BY CASE state WHEN 'signing' THEN 0 WHEN 'pending' THEN 1 ELSE 2 END, activates_at DESC, kid`,
    [at],
  );
  return rows;
}

/** A fingerprint of the published keys and their states at `at`, polled by replicas to notice any change. */
export async function findSigningKeySetVersion(db: Queryable, at: Date): Promise<string> {
  const { rows } = await db.query<{ version: string }>(
    `SELECT coalesce(string_agg(kid || ':' || ${STATE_AT}, ',' ORDER BY kid), '') AS version
     FROM signing_keys WHERE ${PUBLISHED_AT}`,
    [at],
  );
  return rows[0]?.version ?? '';
}

export async function insertSigningKey(db: Queryable, key: { kid: string; alg: string; publicJwk: object; privateJwkSealed: string; activatesAt: Date }): Promise<void> {
  await db.query(
    'INSERT INTO signing_keys (kid, alg, public_jwk, private_jwk_sealed, activates_at) VALUES ($1, $2, $3, $4, $5)',
    [key.kid, key.alg, JSON.stringify(key.publicJwk), key.privateJwkSealed, key.activatesAt],
  );
}

/** Sets when a key stops signing and when it leaves the JWKS (both may lie ahead). */
export async function scheduleSigningKeyRetirement(db: Queryable, kid: string, retireAt: Date, unpublishAt: Date): Promise<void> {
  await db.query('UPDATE signing_keys SET retired_at = $2, unpublish_at = $3 WHERE kid = $1', [kid, retireAt, unpublishAt]);
}

/** Makes a pending key sign from `at` (a signer went missing: its successor takes over early). */
export async function activateSigningKey(db: Queryable, kid: string, at: Date): Promise<void> {
  await db.query('UPDATE signing_keys SET activates_at = $2 WHERE kid = $1', [kid, at]);
}

/**
 * Serialises changes to the key set (first starts, rotations from servers, the job and the CLI): a
 * transaction-scoped advisory lock, waited for, so each change sees the one before it.
 */
export async function lockSigningKeys(db: Queryable): Promise<void> {
  await db.query('SELECT pg_advisory_xact_lock($1)', [7_256_002]);
}
