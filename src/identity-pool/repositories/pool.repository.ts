import type { Queryable } from '../../db/database.js';

export interface PoolSettingsRow {
  default_role: string | null;
  ambiguous_role_resolution: 'deny' | 'default_role';
}

export interface RuleRow {
  position: number;
  claim: string;
  match_type: 'equals' | 'contains' | 'startsWith' | 'notEqual';
  value: string;
  role_name: string;
}

export async function findPoolSettings(db: Queryable): Promise<PoolSettingsRow> {
  const { rows } = await db.query<PoolSettingsRow>('SELECT default_role, ambiguous_role_resolution FROM pool_settings');
  return rows[0]!;
}

export async function updatePoolSettings(db: Queryable, settings: Partial<{ defaultRole: string | null; ambiguousRoleResolution: 'deny' | 'default_role' }>): Promise<PoolSettingsRow> {
  const { rows } = await db.query<PoolSettingsRow>(
    `UPDATE pool_settings SET
       default_role = CASE WHEN $1::boolean THEN $2 ELSE default_role END,
       ambiguous_role_resolution = COALESCE($3, ambiguous_role_resolution),
       updated_at = now()
     RETURNING default_role, ambiguous_role_resolution`,
    ['defaultRole' in settings, settings.defaultRole ?? null, settings.ambiguousRoleResolution ?? null],
  );
  return rows[0]!;
}

export async function listRules(db: Queryable): Promise<RuleRow[]> {
  const { rows } = await db.query<RuleRow>('SELECT position, claim, match_type, value, role_name FROM role_mapping_rules ORDER BY position');
  return rows;
}

/**
 * Inserts a rule at `position` (1-based), shifting later rules down, in the caller's transaction.
 * The 25-rule cap is enforced by the CHECK on position: shifting rule 25 to 26 fails.
 */
export async function insertRuleAt(db: Queryable, rule: Omit<RuleRow, 'position'>, position: number): Promise<void> {
  await shiftRulesFrom(db, position, 1);
  await db.query(
    'INSERT INTO role_mapping_rules (position, claim, match_type, value, role_name) VALUES ($1, $2, $3, $4, $5)',
    [position, rule.claim, rule.match_type, rule.value, rule.role_name],
  );
}

export async function countRules(db: Queryable): Promise<number> {
  const { rows } = await db.query<{ n: number }>('SELECT count(*)::int AS n FROM role_mapping_rules');
  return rows[0]!.n;
}

/** Removes the rule at `position` and closes the gap. */
export async function deleteRuleAt(db: Queryable, position: number): Promise<boolean> {
  const { rowCount } = await db.query('DELETE FROM role_mapping_rules WHERE position = $1', [position]);
  if (rowCount === 0) return false;
  await shiftRulesFrom(db, position + 1, -1);
  return true;
}

/**
 * Moves the rules at `from` and after by `by` places. An UPDATE would collide with the primary key row by
 * row, and parking rows at negative positions breaks the CHECK on position (1-25), so the rules (25 at most)
 * are taken out and put back at their new places, in the caller's transaction. A rule pushed past 25 fails
 * the CHECK: the cap.
 */
async function shiftRulesFrom(db: Queryable, from: number, by: 1 | -1): Promise<void> {
  const { rows } = await db.query<RuleRow & { created_at: Date }>(
    'DELETE FROM role_mapping_rules WHERE position >= $1 RETURNING position, claim, match_type, value, role_name, created_at',
    [from],
  );
  if (rows.length === 0) return;
  await db.query(
    `INSERT INTO role_mapping_rules (position, claim, match_type, value, role_name, created_at)
     SELECT * FROM unnest($1::int[], $2::text[], $3::text[], $4::text[], $5::text[], $6::timestamptz[])`,
    [rows.map((r) => r.position + by), rows.map((r) => r.claim), rows.map((r) => r.match_type), rows.map((r) => r.value), rows.map((r) => r.role_name), rows.map((r) => r.created_at)],
  );
}

/** Removes every rule (the first step of replacing the ordered list, in the caller's transaction). */
export async function deleteAllRules(db: Queryable): Promise<void> {
  await db.query('DELETE FROM role_mapping_rules');
}

/** The role of guest identities (the Cognito identity-pool API without logins), with what issuing needs; none: guests are refused. */
export interface GuestRoleRow {
  name: string;
  policy_template: string;
  max_duration_seconds: number;
}

export async function findGuestRole(db: Queryable): Promise<GuestRoleRow | undefined> {
  const { rows } = await db.query<GuestRoleRow>(
    'SELECT r.name, r.policy_template, r.max_duration_seconds FROM pool_settings s JOIN roles r ON r.name = s.guest_role',
  );
  return rows[0];
}

/** Sets or clears the guest role; a name that is no role fails the foreign key. */
export async function updateGuestRole(db: Queryable, role: string | null): Promise<{ guest_role: string | null }> {
  const { rows } = await db.query<{ guest_role: string | null }>('UPDATE pool_settings SET guest_role = $1, updated_at = now() RETURNING guest_role', [role]);
  return rows[0]!;
}
