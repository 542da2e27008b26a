import type { Queryable } from '../../db/database.js';

/** A user row as stored. Never hand this to a template or a JSON body: use a presenter. */
export interface UserRow {
  id: string;
  username: string | null;
  email: string | null;
  email_verified: boolean;
  phone_number: string | null;
  phone_number_verified: boolean;
  status: 'unconfirmed' | 'confirmed' | 'reset_required';
  enabled: boolean;
  password_hash: string | null;
  profile: Record<string, unknown>;
  custom_attributes: Record<string, unknown>;
  created_at: Date;
  updated_at: Date;
  last_login_at: Date | null;
}

/** The columns every user query reads (a UserRow). */
export const USER_COLUMNS = `id, username, email, email_verified, phone_number, phone_number_verified, status, enabled,
  password_hash, profile, custom_attributes, created_at, updated_at, last_login_at`;

export interface NewUser {
  username: string | null;
  usernameNormalized: string | null;
  email: string | null;
  emailNormalized: string | null;
  emailVerified: boolean;
  phoneNumber: string | null;
  status: UserRow['status'];
  passwordHash: string | null;
  profile: Record<string, unknown>;
  customAttributes: Record<string, unknown>;
}

export async function insertUser(db: Queryable, user: NewUser): Promise<UserRow> {
  const { rows } = await db.query<UserRow>(
    `INSERT INTO users (username, username_normalized, email, email_normalized, email_verified, phone_number,
       status, password_hash, profile, custom_attributes)
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)
     RETURNING ${USER_COLUMNS}`,
    [user.username, user.usernameNormalized, user.email, user.emailNormalized, user.emailVerified, user.phoneNumber,
      user.status, user.passwordHash, JSON.stringify(user.profile), JSON.stringify(user.customAttributes)],
  );
  return rows[0]!;
}

export async function findUserById(db: Queryable, id: string): Promise<UserRow | undefined> {
  const { rows } = await db.query<UserRow>(`SELECT ${USER_COLUMNS} FROM users WHERE id = $1`, [id]);
  return rows[0];
}

/** Looks a user up by normalised username or e-mail in one query (the login form accepts either). */
export async function findUserByLogin(db: Queryable, normalized: string): Promise<UserRow | undefined> {
  const { rows } = await db.query<UserRow>(
    `SELECT ${USER_COLUMNS} FROM users WHERE username_normalized = $1 OR email_normalized = $1
     ORDER BY (username_normalized = $1) DESC LIMIT 1`,
    [normalized],
  );
  return rows[0];
}

export async function updateUserEnabledById(db: Queryable, id: string, enabled: boolean): Promise<UserRow | undefined> {
  const { rows } = await db.query<UserRow>(
    `UPDATE users SET enabled = $2, updated_at = now() WHERE id = $1 RETURNING ${USER_COLUMNS}`,
    [id, enabled],
  );
  return rows[0];
}

/**
 * An administrator's new password for the user. A reset-required account is confirmed by it (the reset
 * it was waiting for has happened); an unconfirmed one stays unconfirmed.
 */
export async function setPasswordById(db: Queryable, id: string, passwordHash: string): Promise<UserRow | undefined> {
  const { rows } = await db.query<UserRow>(
    `UPDATE users SET password_hash = $2, status = CASE WHEN status = 'reset_required' THEN 'confirmed' ELSE status END, updated_at = now()
     WHERE id = $1 RETURNING ${USER_COLUMNS}`,
    [id, passwordHash],
  );
  return rows[0];
}

/**
 * Marks the account reset-required: it cannot act until the user chooses a new password (or an administrator
 * sets one). `temporary`: the current password is one an administrator set for a first sign-in, which may
 * then be used to choose the new one (NEW_PASSWORD_REQUIRED) until the pool's validity runs out, counted from
 * now; otherwise no password leads there.
 */
export async function requireResetById(db: Queryable, id: string, temporary = false): Promise<UserRow | undefined> {
  const { rows } = await db.query<UserRow>(
    `UPDATE users SET status = 'reset_required', temporary_password_hash = CASE WHEN $2::boolean THEN password_hash END,
       temporary_password_set_at = CASE WHEN $2::boolean THEN now() END, updated_at = now()
     WHERE id = $1 RETURNING ${USER_COLUMNS}`,
    [id, temporary],
  );
  return rows[0];
}

/** `none`: no temporary password to continue with; `expired`: one set `validityDays` or more days ago. */
export type TemporaryPasswordState = 'none' | 'valid' | 'expired';

/**
 * Whether the user must choose a new password with their current one, an administrator's temporary one, and
 * whether that is still within `validityDays` of being set (the database's clock, as it set the moment).
 */
export async function temporaryPasswordStateById(db: Queryable, id: string, validityDays: number): Promise<TemporaryPasswordState> {
  const { rows } = await db.query<{ state: TemporaryPasswordState }>(
    `SELECT CASE
       WHEN NOT (status = 'reset_required' AND temporary_password_hash IS NOT NULL AND temporary_password_hash = password_hash) THEN 'none'
       WHEN temporary_password_set_at + make_interval(days => $2::int) > now() THEN 'valid'
       ELSE 'expired' END AS state
     FROM users WHERE id = $1`,
    [id, validityDays],
  );
  return rows[0]?.state ?? 'none';
}

/** A validated change to a user; `null` and empty leave a field as it is. */
export interface UserPatch {
  username: { value: string; normalized: string } | null;
  email: { value: string; normalized: string } | null;
  emailVerified: boolean | null;
  profileSet: Record<string, string>;
  profileRemove: readonly string[];
  customAttributes: Record<string, string | number | boolean>;
  /** Custom attributes this change may set only while the user has no value for them (immutable ones). */
  setOnce: readonly string[];
}

/**
 * Applies a change in one statement. The immutable-attribute guard sits in the WHERE, so of two concurrent
 * first writes of one immutable attribute exactly one lands; `undefined` means the user is gone or the guard
 * refused (the caller tells which). A new e-mail address starts unverified unless the change says otherwise,
 * decided against the row being updated, not against an earlier read.
 */
export async function updateUserById(db: Queryable, id: string, patch: UserPatch): Promise<UserRow | undefined> {
  const { rows } = await db.query<UserRow>(
    `UPDATE users SET
       username = COALESCE($2::text, username),
       username_normalized = COALESCE($3::text, username_normalized),
       email = COALESCE($4::text, email),
       email_normalized = COALESCE($5::text, email_normalized),
       email_verified = CASE WHEN $5::text IS NOT NULL AND email_normalized IS DISTINCT FROM $5::text
                             THEN COALESCE($6::boolean, false) ELSE COALESCE($6::boolean, email_verified) END,
       profile = (profile || $7::jsonb) - $8::text[],
       custom_attributes = custom_attributes || $9::jsonb,
       updated_at = now()
     WHERE id = $1 AND NOT (custom_attributes ?| $10::text[])
     RETURNING ${USER_COLUMNS}`,
    [id, patch.username?.value ?? null, patch.username?.normalized ?? null, patch.email?.value ?? null, patch.email?.normalized ?? null,
      patch.emailVerified, JSON.stringify(patch.profileSet), patch.profileRemove, JSON.stringify(patch.customAttributes), patch.setOnce],
  );
  return rows[0];
}

/** Rehash on login: guarded on the old hash so a concurrent password change is never overwritten. */
export async function updatePasswordHashIfUnchanged(db: Queryable, id: string, oldHash: string, newHash: string): Promise<boolean> {
  // A temporary password rehashed stays temporary (the same password under new parameters).
  const { rowCount } = await db.query(
    `UPDATE users SET password_hash = $3,
       temporary_password_hash = CASE WHEN temporary_password_hash = $2 THEN $3 ELSE temporary_password_hash END, updated_at = now()
     WHERE id = $1 AND password_hash = $2`,
    [id, oldHash, newHash],
  );
  return rowCount === 1;
}

export async function updateLastLoginById(db: Queryable, id: string): Promise<void> {
  const change = lastLoginUpdate(id);
  await db.query(change.sql, change.params);
}

/** The last-sign-in update as a statement, to be recorded with its audit event in one statement. */
export function lastLoginUpdate(id: string): { sql: string; params: unknown[] } {
  return { sql: 'UPDATE users SET last_login_at = now() WHERE id = $1', params: [id] };
}

export async function deleteUserById(db: Queryable, id: string): Promise<boolean> {
  const { rowCount } = await db.query('DELETE FROM users WHERE id = $1', [id]);
  return rowCount === 1;
}

/**
 * A user as the token hot path reads them: what claims and the "may act" rule need, whether they have a
 * password (never its hash: a token refresh or a userinfo call has no use for it), their group names in
 * precedence order and their linked providers' names.
 */
export type UserWithGroupsRow = Pick<UserRow, (typeof ACTING_USER_COLUMNS)[number]> & { has_password: boolean; groups: string[]; identities: string[] };

const ACTING_USER_COLUMNS = ['id', 'username', 'email', 'email_verified', 'phone_number', 'phone_number_verified', 'status', 'enabled', 'profile', 'custom_attributes', 'updated_at'] as const satisfies readonly (keyof UserRow)[];

/**
 * The select-list of {@link UserWithGroupsRow} for the users row aliased `alias`: for a statement that reads a
 * user beside something else in one round trip (userinfo with its token's liveness, the refresh grant's token).
 * `alias` is a constant.
 */
export function userWithGroupsColumns(alias: string): string {
  return `${ACTING_USER_COLUMNS.map((c) => `${alias}.${c}`).join(', ')}, ${alias}.password_hash IS NOT NULL AS has_password,
       COALESCE(ARRAY(SELECT g.name FROM group_members m JOIN groups g ON g.id = m.group_id
                       WHERE m.user_id = ${alias}.id ORDER BY g.precedence, g.name), '{}') AS groups,
       COALESCE(ARRAY(SELECT f.provider FROM federated_identities f WHERE f.user_id = ${alias}.id ORDER BY f.provider), '{}') AS identities`;
}

/** Built once: the token hot path runs it per grant, and the statement cache looks texts up by value. */
const FIND_USER_WITH_GROUPS_BY_ID = `SELECT ${userWithGroupsColumns('u')} FROM users u WHERE u.id = $1`;

/**
 * A user, their group names in precedence order and the names of the upstream providers linked to them (the
 * `identities` claim), in one round trip: the token hot path (ID tokens, userinfo, refresh) reads exactly this.
 */
export async function findUserWithGroupsById(db: Queryable, id: string): Promise<UserWithGroupsRow | undefined> {
  const { rows } = await db.query<UserWithGroupsRow>(FIND_USER_WITH_GROUPS_BY_ID, [id]);
  return rows[0];
}

/**
 * The address was proven by a mailed code: it becomes verified, and an account waiting for that proof is
 * confirmed. Guarded on the address the code was sent to, so a code mailed to an old address cannot verify
 * a new one.
 */
export async function markEmailProvenById(db: Queryable, id: string, emailNormalized: string): Promise<UserRow | undefined> {
  const { rows } = await db.query<UserRow>(
    `UPDATE users SET email_verified = true,
       status = CASE WHEN status = 'unconfirmed' THEN 'confirmed' ELSE status END,
       updated_at = now()
     WHERE id = $1 AND email_normalized = $2
     RETURNING ${USER_COLUMNS}`,
    [id, emailNormalized],
  );
  return rows[0];
}

/**
 * A password reset with a mailed code: the new hash, the address proven (the code arrived there), and an
 * account that had to reset (or was waiting for that proof) confirmed.
 */
export async function resetPasswordById(db: Queryable, id: string, emailNormalized: string, passwordHash: string): Promise<UserRow | undefined> {
  const { rows } = await db.query<UserRow>(
    `UPDATE users SET password_hash = $3, email_verified = true, status = 'confirmed', updated_at = now()
     WHERE id = $1 AND email_normalized = $2
     RETURNING ${USER_COLUMNS}`,
    [id, emailNormalized, passwordHash],
  );
  return rows[0];
}

/** The new address, proven by a code mailed to it: it replaces the old one, verified. */
export async function replaceEmailById(db: Queryable, id: string, email: string, emailNormalized: string): Promise<UserRow | undefined> {
  const { rows } = await db.query<UserRow>(
    `UPDATE users SET email = $2, email_normalized = $3, email_verified = true, updated_at = now() WHERE id = $1 RETURNING ${USER_COLUMNS}`,
    [id, email, emailNormalized],
  );
  return rows[0];
}
