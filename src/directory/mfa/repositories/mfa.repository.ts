import type { Queryable } from '../../../db/database.js';

/** The pool's MFA mode (user_pool_settings.mfa_mode, migration 0014). */
export type MfaMode = 'off' | 'optional' | 'required';

export interface TotpRow {
  secret_sealed: string;
  confirmed_at: Date | null;
  last_used_step: number | null;
}

export async function findTotp(db: Queryable, userId: string): Promise<TotpRow | undefined> {
  const { rows } = await db.query<TotpRow>('SELECT secret_sealed, confirmed_at, last_used_step FROM mfa_totp WHERE user_id = $1', [userId]);
  return rows[0];
}

/**
 * Stores a new, unconfirmed secret unless the user has one already: a confirmed authenticator is never
 * replaced this way, and an unconfirmed one is kept so that the code the user scanned stays the one asked for.
 * Returns the row now stored.
 */
export async function insertPendingTotp(db: Queryable, userId: string, secretSealed: string): Promise<TotpRow> {
  await db.query('INSERT INTO mfa_totp (user_id, secret_sealed) VALUES ($1, $2) ON CONFLICT (user_id) DO NOTHING', [userId, secretSealed]);
  return (await findTotp(db, userId))!;
}

/**
 * Accepts a code of time step `step`: confirms a pending enrolment (`confirm`) or uses a confirmed one, and
 * records the step, all in one statement whose guard refuses any step not later than the last one used, so
 * of two concurrent uses of one code exactly one passes (RFC 6238 §5.2: a verifier must not accept the
 * second attempt of the same OTP).
 */
export async function acceptTotpStep(db: Queryable, userId: string, step: number, confirm: boolean): Promise<boolean> {
  const { rowCount } = await db.query(
    `UPDATE mfa_totp SET last_used_step = $2, confirmed_at = COALESCE(confirmed_at, CASE WHEN $3::boolean THEN now() END)
      WHERE user_id = $1 AND (confirmed_at IS NULL) = $3::boolean
        AND (last_used_step IS NULL OR last_used_step < $2)`,
    [userId, step, confirm],
  );
  return rowCount === 1;
}

/** Replaces the user's recovery codes with new ones (HMACs), in the caller's transaction. */
export async function replaceRecoveryCodes(db: Queryable, userId: string, codeHmacs: readonly string[]): Promise<void> {
  await db.query('DELETE FROM mfa_recovery_codes WHERE user_id = $1', [userId]);
  await db.query('INSERT INTO mfa_recovery_codes (user_id, code_hmac) SELECT $1, unnest($2::text[])', [userId, codeHmacs]);
}

/** Spends one unused recovery code whose HMAC is among `codeHmacs`; false when none is left to spend. */
export async function consumeRecoveryCode(db: Queryable, userId: string, codeHmacs: readonly string[]): Promise<boolean> {
  // The guard is in the WHERE: of two concurrent uses of one code, the second finds used_at set.
  const { rowCount } = await db.query(
    'UPDATE mfa_recovery_codes SET used_at = now() WHERE user_id = $1 AND code_hmac = ANY($2::text[]) AND used_at IS NULL',
    [userId, codeHmacs],
  );
  return rowCount > 0;
}

/** Removes the authenticator and every recovery code; says what was there. */
export async function deleteMfa(db: Queryable, userId: string): Promise<{ totp: 'confirmed' | 'pending' | null; recoveryCodes: number }> {
  const { rows } = await db.query<{ confirmed: boolean }>('DELETE FROM mfa_totp WHERE user_id = $1 RETURNING confirmed_at IS NOT NULL AS confirmed', [userId]);
  const codes = await db.query('DELETE FROM mfa_recovery_codes WHERE user_id = $1', [userId]);
  const totp = rows[0] ? (rows[0].confirmed ? 'confirmed' : 'pending') : null;
  return { totp, recoveryCodes: codes.rowCount };
}

/**
 * Whether the user must use a second factor, in one query: the pool's mode, and (in `optional` mode)
 * membership of any group that requires it. `off` turns MFA off for everyone, group requirements included.
 */
export async function findMfaRequirement(db: Queryable, userId: string): Promise<{ mode: MfaMode; groupRequired: boolean }> {
  const { rows } = await db.query<{ mode: MfaMode; group_required: boolean }>(
    `SELECT COALESCE((SELECT mfa_mode FROM user_pool_settings), 'optional') AS mode,
            EXISTS (SELECT 1 FROM group_members m JOIN groups g ON g.id = m.group_id
                     WHERE m.user_id = $1 AND g.mfa_required) AS group_required`,
    [userId],
  );
  return { mode: rows[0]!.mode, groupRequired: rows[0]!.group_required };
}

/** What decides a user's second step at sign-in (see {@link findMfaState}). */
export interface MfaStateRow {
  mode: MfaMode;
  group_required: boolean;
  totp_confirmed: boolean;
  recovery_codes_left: number;
  passkeys: number;
}

/**
 * The select-list of {@link MfaStateRow} for the user `userId` names: a parameter (`$1`) or a column of the
 * caller's query (`users.id`), so that the sign-in's account lookup reads the state in the same round trip.
 * `userId` is a constant of the calling repository, never input.
 */
export function mfaStateColumns(userId: string): string {
  return `COALESCE((SELECT mfa_mode FROM user_pool_settings), 'optional') AS mode,
            EXISTS (SELECT 1 FROM group_members m JOIN groups g ON g.id = m.group_id
                     WHERE m.user_id = ${userId} AND g.mfa_required) AS group_required,
            EXISTS (SELECT 1 FROM mfa_totp WHERE user_id = ${userId} AND confirmed_at IS NOT NULL) AS totp_confirmed,
            (SELECT count(*)::int FROM mfa_recovery_codes WHERE user_id = ${userId} AND used_at IS NULL) AS recovery_codes_left,
            (SELECT count(*)::int FROM webauthn_credentials WHERE user_id = ${userId}) AS passkeys`;
}

/**
 * Everything the step after a proven password decides on, in one round trip: the pool's mode, whether a group
 * of the user's requires MFA (as {@link findMfaRequirement}), whether an authenticator is confirmed, the
 * recovery codes left, and how many passkeys the user registered (a second factor as well). A password
 * sign-in reads the same with the account it looks up (srp-verifier.repository.ts).
 */
export async function findMfaState(db: Queryable, userId: string): Promise<MfaStateRow> {
  const { rows } = await db.query<MfaStateRow>(`SELECT ${mfaStateColumns('$1')}`, [userId]);
  return rows[0]!;
}

export async function findMfaMode(db: Queryable): Promise<MfaMode> {
  const { rows } = await db.query<{ mfa_mode: MfaMode }>('SELECT mfa_mode FROM user_pool_settings');
  return rows[0]?.mfa_mode ?? 'optional';
}

export async function updateMfaMode(db: Queryable, mode: MfaMode): Promise<MfaMode> {
  const { rows } = await db.query<{ mfa_mode: MfaMode }>('UPDATE user_pool_settings SET mfa_mode = $1, updated_at = now() RETURNING mfa_mode', [mode]);
  return rows[0]!.mfa_mode;
}

/** Sets whether a group's members must use a second factor; undefined when there is no such group. */
export async function updateGroupMfaRequired(db: Queryable, groupName: string, required: boolean): Promise<{ name: string; mfa_required: boolean } | undefined> {
  const { rows } = await db.query<{ name: string; mfa_required: boolean }>('UPDATE groups SET mfa_required = $2 WHERE name = $1 RETURNING name, mfa_required', [groupName, required]);
  return rows[0];
}
