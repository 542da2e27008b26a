import type { Queryable } from '../../db/database.js';

/** The user pool's self-service settings (see migration 0013). */
export interface UserPoolSettingsRow {
  signup_enabled: boolean;
  signup_required: string[];
  self_delete_enabled: boolean;
}

export async function findUserPoolSettings(db: Queryable): Promise<UserPoolSettingsRow> {
  const { rows } = await db.query<UserPoolSettingsRow>('SELECT signup_enabled, signup_required, self_delete_enabled FROM user_pool_settings');
  return rows[0] ?? { signup_enabled: true, signup_required: [], self_delete_enabled: false };
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

export async function findPasswordPolicyOptions(db: Queryable): Promise<Record<string, unknown>> {
  const { rows } = await db.query<{ password_policy: Record<string, unknown> }>('SELECT password_policy FROM user_pool_settings');
  return rows[0]?.password_policy ?? {};
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
