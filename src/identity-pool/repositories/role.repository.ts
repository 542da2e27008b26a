import type { Queryable } from '../../db/database.js';

export interface RoleRow {
  name: string;
  description: string;
  policy_template: string;
  max_duration_seconds: number;
  created_at: Date;
}

const COLUMNS = 'name, description, policy_template, max_duration_seconds, created_at';

/** Inserts a new role; undefined when a role of that name exists (`role create` never overwrites). */
export async function insertRole(db: Queryable, role: { name: string; description: string; policyTemplate: string; maxDurationSeconds: number }): Promise<RoleRow | undefined> {
  const { rows } = await db.query<RoleRow>(
    `INSERT INTO roles (name, description, policy_template, max_duration_seconds) VALUES ($1, $2, $3, $4)
     ON CONFLICT (name) DO NOTHING
     RETURNING ${COLUMNS}`,
    [role.name, role.description, role.policyTemplate, role.maxDurationSeconds],
  );
  return rows[0];
}

/** Changes the fields given (null leaves one as it is); undefined when there is no such role. */
export async function updateRoleByName(db: Queryable, name: string, changes: { description: string | null; policyTemplate: string | null; maxDurationSeconds: number | null }): Promise<RoleRow | undefined> {
  const { rows } = await db.query<RoleRow>(
    `UPDATE roles SET description = COALESCE($2, description), policy_template = COALESCE($3, policy_template),
       max_duration_seconds = COALESCE($4, max_duration_seconds), updated_at = now()
     WHERE name = $1
     RETURNING ${COLUMNS}`,
    [name, changes.description, changes.policyTemplate, changes.maxDurationSeconds],
  );
  return rows[0];
}

export async function findRoleByName(db: Queryable, name: string): Promise<RoleRow | undefined> {
  const { rows } = await db.query<RoleRow>(`SELECT ${COLUMNS} FROM roles WHERE name = $1`, [name]);
  return rows[0];
}

/** What refers to a role: groups carrying it, rule positions assigning it, and whether it is the pool's default. */
export interface RoleUsageRow {
  groups: string[];
  rule_positions: number[];
  default_role: boolean;
  /** Whether it is the guest role of the Cognito identity-pool API. */
  guest_role: boolean;
}

export async function findRoleUsage(db: Queryable, name: string): Promise<RoleUsageRow> {
  const { rows } = await db.query<RoleUsageRow>(
    `SELECT
       COALESCE((SELECT array_agg(g.name ORDER BY g.name) FROM groups g WHERE g.role_name = $1), '{}') AS groups,
       COALESCE((SELECT array_agg(r.position ORDER BY r.position) FROM role_mapping_rules r WHERE r.role_name = $1), '{}') AS rule_positions,
       EXISTS (SELECT 1 FROM pool_settings s WHERE s.default_role = $1) AS default_role,
       EXISTS (SELECT 1 FROM pool_settings s WHERE s.guest_role = $1) AS guest_role`,
    [name],
  );
  return rows[0]!;
}

export async function listRoles(db: Queryable): Promise<RoleRow[]> {
  const { rows } = await db.query<RoleRow>(`SELECT ${COLUMNS} FROM roles ORDER BY name`);
  return rows;
}

export async function deleteRoleByName(db: Queryable, name: string): Promise<boolean> {
  const { rowCount } = await db.query('DELETE FROM roles WHERE name = $1', [name]);
  return rowCount === 1;
}
