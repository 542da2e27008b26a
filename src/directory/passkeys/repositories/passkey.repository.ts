import type { Queryable } from '../../../db/database.js';

/** A stored passkey (migration 0016). */
export interface PasskeyRow {
  id: string;
  user_id: string;
  credential_id: string;
  public_key: Buffer;
  counter: string;
  transports: string[];
  aaguid: string;
  name: string;
  device_type: 'singleDevice' | 'multiDevice';
  backed_up: boolean;
  created_at: Date;
  last_used_at: Date | null;
}

const COLUMNS = 'id, user_id, credential_id, public_key, counter, transports, aaguid, name, device_type, backed_up, created_at, last_used_at';

export async function listPasskeysByUserId(db: Queryable, userId: string): Promise<PasskeyRow[]> {
  const { rows } = await db.query<PasskeyRow>(`SELECT ${COLUMNS} FROM webauthn_credentials WHERE user_id = $1 ORDER BY created_at, id`, [userId]);
  return rows;
}

export async function findPasskeyByCredentialId(db: Queryable, credentialId: string): Promise<PasskeyRow | undefined> {
  const { rows } = await db.query<PasskeyRow>(`SELECT ${COLUMNS} FROM webauthn_credentials WHERE credential_id = $1`, [credentialId]);
  return rows[0];
}

export async function countPasskeysByUserId(db: Queryable, userId: string): Promise<number> {
  const { rows } = await db.query<{ n: number }>('SELECT count(*)::int AS n FROM webauthn_credentials WHERE user_id = $1', [userId]);
  return rows[0]?.n ?? 0;
}

/** Stores a new passkey; undefined when its credential ID is registered already (to anyone). */
export async function insertPasskey(db: Queryable, row: Omit<PasskeyRow, 'id' | 'created_at' | 'last_used_at' | 'counter'> & { counter: number; createdAt: Date }): Promise<PasskeyRow | undefined> {
  const { rows } = await db.query<PasskeyRow>(
    `INSERT INTO webauthn_credentials (user_id, credential_id, public_key, counter, transports, aaguid, name, device_type, backed_up, created_at)
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)
     ON CONFLICT (credential_id) DO NOTHING RETURNING ${COLUMNS}`,
    [row.user_id, row.credential_id, row.public_key, row.counter, row.transports, row.aaguid, row.name, row.device_type, row.backed_up, row.createdAt],
  );
  return rows[0];
}

/**
 * Records a verified use: the new signature counter, the backup state and the time. The guard is in the
 * WHERE: the counter must grow (or stay 0 for an authenticator that keeps none), so of two concurrent uses of
 * one assertion exactly one passes, and a counter that went back (a cloned authenticator) is refused even
 * when the check before it raced with another use.
 */
export async function recordPasskeyUse(db: Queryable, id: string, counter: number, backedUp: boolean, at: Date): Promise<boolean> {
  const { rowCount } = await db.query(
    `UPDATE webauthn_credentials SET counter = $2, backed_up = $3, last_used_at = $4
      WHERE id = $1 AND (counter < $2 OR (counter = 0 AND $2::bigint = 0))`,
    [id, counter, backedUp, at],
  );
  return rowCount === 1;
}

export async function renamePasskey(db: Queryable, userId: string, id: string, name: string): Promise<boolean> {
  const { rowCount } = await db.query('UPDATE webauthn_credentials SET name = $3 WHERE user_id = $1 AND id = $2', [userId, id, name]);
  return rowCount === 1;
}

/**
 * Deletes one of the user's passkeys unless it is their last way to sign in: the user has a password, a
 * linked identity or another passkey. The check and the delete are one statement, and the caller holds the
 * user's row lock, so two concurrent deletions cannot each leave the other as the last one.
 */
export async function deletePasskeyUnlessLast(db: Queryable, userId: string, id: string): Promise<'deleted' | 'last' | 'absent'> {
  const { rows } = await db.query<{ deleted: boolean; present: boolean }>(
    `WITH target AS (SELECT id FROM webauthn_credentials WHERE user_id = $1 AND id = $2),
          allowed AS (
            SELECT EXISTS (SELECT 1 FROM users WHERE id = $1 AND password_hash IS NOT NULL)
                OR EXISTS (SELECT 1 FROM federated_identities WHERE user_id = $1)
                OR EXISTS (SELECT 1 FROM webauthn_credentials WHERE user_id = $1 AND id <> $2) AS ok),
          deleted AS (DELETE FROM webauthn_credentials WHERE id IN (SELECT id FROM target) AND (SELECT ok FROM allowed) RETURNING id)
     SELECT EXISTS (SELECT 1 FROM deleted) AS deleted, EXISTS (SELECT 1 FROM target) AS present`,
    [userId, id],
  );
  const row = rows[0];
  return row?.deleted ? 'deleted' : row?.present ? 'last' : 'absent';
}

/** Locks the user's row for the caller's transaction (serialises rules over "the user's ways to sign in"). */
export async function lockUser(db: Queryable, userId: string): Promise<void> {
  await db.query('SELECT id FROM users WHERE id = $1 FOR UPDATE', [userId]);
}

/** Removes every passkey of the user (the operator's `user remove-passkeys`); the number removed. */
export async function deletePasskeysByUserId(db: Queryable, userId: string): Promise<number> {
  const { rowCount } = await db.query('DELETE FROM webauthn_credentials WHERE user_id = $1', [userId]);
  return rowCount;
}

/**
 * Stores the challenge of a ceremony under its binding's key, replacing an earlier one of the same binding
 * (one outstanding challenge per sign-in or account session). Expired challenges of abandoned ceremonies are
 * removed on the way, so the table stays small without a periodic job.
 */
export async function upsertChallenge(db: Queryable, keyHmac: string, userId: string | null, challenge: string, expiresAt: Date, now: Date): Promise<void> {
  await db.query('DELETE FROM webauthn_challenges WHERE expires_at < $1', [now]);
  await db.query(
    `INSERT INTO webauthn_challenges (key_hmac, user_id, challenge, expires_at) VALUES ($1, $2, $3, $4)
     ON CONFLICT (key_hmac) DO UPDATE SET user_id = EXCLUDED.user_id, challenge = EXCLUDED.challenge, expires_at = EXCLUDED.expires_at, created_at = now()`,
    [keyHmac, userId, challenge, expiresAt],
  );
}

/** Takes the binding's challenge, once: the DELETE is the consumption, so a second use finds nothing. */
export async function consumeChallenge(db: Queryable, keyHmac: string, now: Date): Promise<{ challenge: string; user_id: string | null } | undefined> {
  const { rows } = await db.query<{ challenge: string; user_id: string | null; live: boolean }>(
    'DELETE FROM webauthn_challenges WHERE key_hmac = $1 RETURNING challenge, user_id, expires_at > $2 AS live',
    [keyHmac, now],
  );
  const row = rows[0];
  return row?.live ? { challenge: row.challenge, user_id: row.user_id } : undefined;
}
