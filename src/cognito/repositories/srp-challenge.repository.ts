import type { Queryable } from '../../db/database.js';

/** A PASSWORD_VERIFIER challenge as stored (migration 0027). */
export interface SrpChallengeRow {
  user_id: string | null;
  verifier_id: string | null;
  client_id: string;
  user_id_for_srp: string;
  pool_name: string;
  a_public: string;
  b_public: string;
  secret_sealed: string;
}

export interface NewSrpChallenge {
  keyHmac: string;
  userId: string | null;
  verifierId: string | null;
  clientId: string;
  userIdForSrp: string;
  poolName: string;
  aPublic: string;
  bPublic: string;
  secretSealed: string;
  expiresAt: Date;
}

/**
 * Stores a challenge. A user deleted or a verifier replaced meanwhile (its row deleted by a password change)
 * would fail the foreign keys: the challenge is then stored without them, and can never be answered.
 */
export async function insertSrpChallenge(db: Queryable, challenge: NewSrpChallenge): Promise<void> {
  await db.query(
    `INSERT INTO srp_challenges (key_hmac, user_id, verifier_id, client_id, user_id_for_srp, pool_name, a_public, b_public, secret_sealed, expires_at)
     SELECT $1, u.id, v.id, $4, $5, $6, $7, $8, $9, $10
       FROM (SELECT $2::uuid AS user_wanted, $3::uuid AS verifier_wanted) w
       LEFT JOIN users u ON u.id = w.user_wanted
       LEFT JOIN srp_verifiers v ON v.id = w.verifier_wanted AND v.user_id = u.id`,
    [challenge.keyHmac, challenge.userId, challenge.verifierId, challenge.clientId, challenge.userIdForSrp, challenge.poolName,
      challenge.aPublic, challenge.bPublic, challenge.secretSealed, challenge.expiresAt],
  );
}

/**
 * Spends the live challenge `keyHmac` issued to `clientId`: deleted in the statement that returns it, so of
 * two answers to one challenge exactly one gets it. An expired one is left to the sweep and found by nobody.
 */
export async function consumeSrpChallenge(db: Queryable, keyHmac: string, clientId: string, now: Date): Promise<SrpChallengeRow | undefined> {
  const { rows } = await db.query<SrpChallengeRow>(
    `DELETE FROM srp_challenges WHERE key_hmac = $1 AND client_id = $2 AND expires_at > $3
     RETURNING user_id, verifier_id, client_id, user_id_for_srp, pool_name, a_public, b_public, secret_sealed`,
    [keyHmac, clientId, now],
  );
  return rows[0];
}

/** Removes up to `batchSize` expired challenges (abandoned sign-ins); `SKIP LOCKED` lets replicas sweep at once. */
export async function deleteExpiredSrpChallenges(db: Queryable, batchSize: number): Promise<number> {
  const { rowCount } = await db.query(
    `DELETE FROM srp_challenges WHERE key_hmac IN (
       SELECT key_hmac FROM srp_challenges WHERE expires_at <= now() ORDER BY expires_at LIMIT $1 FOR UPDATE SKIP LOCKED)`,
    [batchSize],
  );
  return rowCount;
}
