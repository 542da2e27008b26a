import type { Queryable } from '../../db/database.js';

/** An upstream identity linked to a local user. */
export interface FederatedIdentityRow {
  id: string;
  user_id: string;
  provider: string;
  issuer: string;
  subject: string;
  email: string | null;
  claims: Record<string, unknown>;
  created_at: Date;
  last_sign_in_at: Date;
}

const COLUMNS = 'id, user_id, provider, issuer, subject, email, claims, created_at, last_sign_in_at';

/** Finds the identity for (issuer, subject) and records this sign-in in the same statement. */
export async function touchFederatedIdentity(db: Queryable, issuer: string, subject: string): Promise<FederatedIdentityRow | undefined> {
  const { rows } = await db.query<FederatedIdentityRow>(
    `UPDATE federated_identities SET last_sign_in_at = now() WHERE issuer = $1 AND subject = $2 RETURNING ${COLUMNS}`,
    [issuer, subject],
  );
  return rows[0];
}

export interface NewFederatedIdentity {
  userId: string;
  provider: string;
  issuer: string;
  subject: string;
  email: string | null;
  claims: Record<string, unknown>;
}

/**
 * Links an identity. The unique constraints decide races: a second link of the same (issuer, subject), or a
 * second identity of the same provider for the same user, inserts nothing and answers undefined.
 */
export async function insertFederatedIdentity(db: Queryable, identity: NewFederatedIdentity): Promise<FederatedIdentityRow | undefined> {
  const { rows } = await db.query<FederatedIdentityRow>(
    `INSERT INTO federated_identities (user_id, provider, issuer, subject, email, claims)
     VALUES ($1, $2, $3, $4, $5, $6::jsonb)
     ON CONFLICT DO NOTHING
     RETURNING ${COLUMNS}`,
    [identity.userId, identity.provider, identity.issuer, identity.subject, identity.email, JSON.stringify(identity.claims)],
  );
  return rows[0];
}

export async function listFederatedIdentitiesByUserId(db: Queryable, userId: string): Promise<FederatedIdentityRow[]> {
  const { rows } = await db.query<FederatedIdentityRow>(`SELECT ${COLUMNS} FROM federated_identities WHERE user_id = $1 ORDER BY created_at`, [userId]);
  return rows;
}

/** The provider names of a user's identities, sorted. */
export async function listProviderNamesByUserId(db: Queryable, userId: string): Promise<string[]> {
  const { rows } = await db.query<{ provider: string }>('SELECT provider FROM federated_identities WHERE user_id = $1 ORDER BY provider', [userId]);
  return rows.map((row) => row.provider);
}

export async function countFederatedIdentitiesByProvider(db: Queryable, provider: string): Promise<number> {
  const { rows } = await db.query<{ n: number }>('SELECT count(*)::int AS n FROM federated_identities WHERE provider = $1', [provider]);
  return rows[0]?.n ?? 0;
}

/**
 * Locks a user's identities (`FOR UPDATE`) for the rest of the transaction, so that two unlinks of the same
 * user run one after the other and the second sees what the first left.
 */
export async function lockFederatedIdentitiesByUserId(db: Queryable, userId: string): Promise<number> {
  const { rowCount } = await db.query('SELECT id FROM federated_identities WHERE user_id = $1 FOR UPDATE', [userId]);
  return rowCount;
}

/**
 * Deletes the user's identity at `provider` unless it is their last way to sign in: kept when the user has
 * no password (`hasPassword` false), no other identity and no passkey (a passkey signs in on its own).
 * Run after {@link lockFederatedIdentitiesByUserId}.
 */
export async function deleteFederatedIdentityUnlessLast(db: Queryable, userId: string, provider: string, hasPassword: boolean): Promise<FederatedIdentityRow | undefined> {
  const { rows } = await db.query<FederatedIdentityRow>(
    `DELETE FROM federated_identities
      WHERE user_id = $1 AND provider = $2
        AND ($3::boolean OR (SELECT count(*) FROM federated_identities WHERE user_id = $1) > 1
             OR EXISTS (SELECT 1 FROM webauthn_credentials WHERE user_id = $1))
      RETURNING ${COLUMNS}`,
    [userId, provider, hasPassword],
  );
  return rows[0];
}
