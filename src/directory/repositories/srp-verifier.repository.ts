import type { Queryable, StatementChange } from '../../db/database.js';
import { mfaStateColumns, type MfaStateRow } from '../mfa/repositories/mfa.repository.js';
import { USER_COLUMNS, type UserRow } from './user.repository.js';

/** A stored SRP verifier (migration 0027); the verifier itself is sealed. */
export interface SrpVerifierRow {
  id: string;
  user_id: string;
  salt: string;
  verifier_sealed: string;
  pool_name: string;
  updated_at: Date;
}

export interface NewSrpVerifier {
  userId: string;
  salt: string;
  verifierSealed: string;
  poolName: string;
  /** The password hash the verifier was derived beside: stored only while it is still the user's. */
  passwordHash: string;
}

/**
 * Stores (or replaces) a user's verifier as a statement, so a sign-in can record it with its event in one
 * round trip. Guarded on the password hash: a verifier derived from a password that was changed meanwhile
 * (the sign-in checked the old one just before another request replaced it) is never stored.
 */
export function srpVerifierUpsert(verifier: NewSrpVerifier): StatementChange {
  return {
    sql: `INSERT INTO srp_verifiers (user_id, salt, verifier_sealed, pool_name)
          SELECT id, $2, $3, $4 FROM users WHERE id = $1 AND password_hash = $5
          ON CONFLICT (user_id) DO UPDATE SET salt = EXCLUDED.salt, verifier_sealed = EXCLUDED.verifier_sealed,
            pool_name = EXCLUDED.pool_name, updated_at = now()`,
    params: [verifier.userId, verifier.salt, verifier.verifierSealed, verifier.poolName, verifier.passwordHash],
  };
}

export async function upsertSrpVerifier(db: Queryable, verifier: NewSrpVerifier): Promise<void> {
  const change = srpVerifierUpsert(verifier);
  await db.query(change.sql, change.params);
}

export async function findSrpVerifierByUserId(db: Queryable, userId: string): Promise<SrpVerifierRow | undefined> {
  const { rows } = await db.query<SrpVerifierRow>('SELECT id, user_id, salt, verifier_sealed, pool_name, updated_at FROM srp_verifiers WHERE user_id = $1', [userId]);
  return rows[0];
}

export async function deleteSrpVerifierByUserId(db: Queryable, userId: string): Promise<boolean> {
  const { rowCount } = await db.query('DELETE FROM srp_verifiers WHERE user_id = $1', [userId]);
  return rowCount === 1;
}

/** Removes every verifier (SRP turned off for the pool); returns how many. */
export async function deleteAllSrpVerifiers(db: Queryable): Promise<number> {
  const { rowCount } = await db.query('DELETE FROM srp_verifiers');
  return rowCount;
}

/**
 * A sign-in's user row with the pool name of their verifier (null: none) and, when asked for, their
 * second-factor state, in the one query that finds them.
 */
export type UserWithSrpPoolRow = UserRow & { srp_pool_name: string | null; mfa_state?: MfaStateRow };

/** The second-factor state of the row's user as one column (the select-list of mfa.repository.ts, as JSON). */
const MFA_STATE = `(SELECT to_json(state) FROM (SELECT ${mfaStateColumns('users.id')}) state) AS mfa_state`;

/**
 * The account a login identifier names (as findUserByLogin), the pool name of its SRP verifier and, with
 * `mfaState`, its second-factor state, in one query: a password sign-in learns whether it must derive a
 * verifier, and what it asks after the password, without a round trip for each. Lookups that act on no
 * second factor (sign-up's name check, codes, SRP's first step) leave it out.
 */
export async function findUserByLoginWithSrpPool(db: Queryable, normalized: string, options: { mfaState?: boolean } = {}): Promise<UserWithSrpPoolRow | undefined> {
  const { rows } = await db.query<UserWithSrpPoolRow>(
    `SELECT ${USER_COLUMNS}, (SELECT pool_name FROM srp_verifiers WHERE user_id = users.id) AS srp_pool_name${options.mfaState ? `, ${MFA_STATE}` : ''}
       FROM users WHERE username_normalized = $1 OR email_normalized = $1
      ORDER BY (username_normalized = $1) DESC LIMIT 1`,
    [normalized],
  );
  return rows[0];
}
