import type { Queryable } from '../../db/database.js';

/** The user pool's self-service settings (see migration 0013). */
export interface UserPoolSettingsRow {
  signup_enabled: boolean;
  signup_required: string[];
  self_delete_enabled: boolean;
}

/** The settings row as it is kept in process (migration 0025 announces its changes): the password policy's options too. */
export interface StoredUserPoolSettings extends UserPoolSettingsRow {
  password_policy: Record<string, unknown>;
  /** Migration 0026: the user-pool ID's part after the region, and the identity pool's UUID (null: no settings row). */
  user_pool_id_suffix: string | null;
  identity_pool_uuid: string | null;
}

export async function findUserPoolSettings(db: Queryable): Promise<StoredUserPoolSettings> {
  const { rows } = await db.query<StoredUserPoolSettings>(
    'SELECT signup_enabled, signup_required, self_delete_enabled, password_policy, user_pool_id_suffix, identity_pool_uuid FROM user_pool_settings',
  );
  return rows[0] ?? { signup_enabled: true, signup_required: [], self_delete_enabled: false, password_policy: {}, user_pool_id_suffix: null, identity_pool_uuid: null };
}

export async function updateUserPoolSignup(db: Queryable, change: { enabled: boolean | null; required: readonly string[] | null }): Promise<UserPoolSettingsRow> {
  const { rows } = await db.query<UserPoolSettingsRow>(
    `UPDATE user_pool_settings SET signup_enabled = COALESCE($1::boolean, signup_enabled),
       signup_required = COALESCE($2::text[], signup_required), updated_at = now()
     RETURNING signup_enabled, signup_required, self_delete_enabled`,
    [change.enabled, change.required],
  );
  return rows[0]!;
}

export async function updateUserPoolSelfDelete(db: Queryable, enabled: boolean): Promise<UserPoolSettingsRow> {
  const { rows } = await db.query<UserPoolSettingsRow>(
    'UPDATE user_pool_settings SET self_delete_enabled = $1, updated_at = now() RETURNING signup_enabled, signup_required, self_delete_enabled',
    [enabled],
  );
  return rows[0]!;
}

export async function updatePasswordPolicyOptions(db: Queryable, options: Record<string, unknown>): Promise<void> {
  await db.query('UPDATE user_pool_settings SET password_policy = $1::jsonb, updated_at = now()', [JSON.stringify(options)]);
}

/** A renamed custom attribute stays a sign-up requirement under its new claim name (`custom:NAME`). */
export async function renameSignupRequirement(db: Queryable, from: string, to: string): Promise<void> {
  await db.query(
    'UPDATE user_pool_settings SET signup_required = array_replace(signup_required, $1, $2), updated_at = now() WHERE $1 = ANY(signup_required)',
    [from, to],
  );
}

/** A removed custom attribute stops being a sign-up requirement (the form would ask for an undeclared one). */
export async function removeSignupRequirement(db: Queryable, name: string): Promise<void> {
  await db.query(
    'UPDATE user_pool_settings SET signup_required = array_remove(signup_required, $1), updated_at = now() WHERE $1 = ANY(signup_required)',
    [name],
  );
}
