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
}

export async function findRoleUsage(db: Queryable, name: string): Promise<RoleUsageRow> {
  const { rows } = await db.query<RoleUsageRow>(
    `SELECT
       COALESCE((SELECT array_agg(g.name ORDER BY g.name) FROM groups g WHERE g.role_name = $1), '{}') AS groups,
       COALESCE((SELECT array_agg(r.position ORDER BY r.position) FROM role_mapping_rules r WHERE r.role_name = $1), '{}') AS rule_positions,
       EXISTS (SELECT 1 FROM pool_settings s WHERE s.default_role = $1) AS default_role`,
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

/** Everything role resolution needs for one user. */
export interface ResolutionContextRow {
  groups: { name: string; precedence: number; role: string | null }[];
  default_role: string | null;
  ambiguous_role_resolution: 'deny' | 'default_role';
  rules: { position: number; claim: string; match_type: 'equals' | 'contains' | 'startsWith' | 'notEqual'; value: string; role_name: string }[];
  roles: { name: string; policy_template: string; max_duration_seconds: number }[];
}

/** The identity pool's view of a user: what role resolution, rules and policy variables read. */
export interface PoolUserRow {
  id: string;
  username: string | null;
  email: string | null;
  email_verified: boolean;
  phone_number: string | null;
  phone_number_verified: boolean;
  status: string;
  enabled: boolean;
  profile: Record<string, unknown>;
  custom_attributes: Record<string, unknown>;
}

/** Everything one issuance reads: the user (undefined when deleted), their groups and the pool's resolution context. */
export interface IssuanceContextRow extends ResolutionContextRow {
  user: PoolUserRow | null;
}

/**
 * The user, their groups (with roles, in precedence order) and the pool's settings, rules and roles, in one
 * round trip: the identity pool's hot path (`POST /sts/credentials`, `POST /sts`). The pool owns this read
 * of the directory's tables because it is the pool's view of a user (no password hash, no timestamps).
 */
export async function findIssuanceContext(db: Queryable, userId: string): Promise<IssuanceContextRow> {
  const { rows } = await db.query<IssuanceContextRow>(
    `SELECT
       (SELECT json_build_object('id', u.id, 'username', u.username, 'email', u.email, 'email_verified', u.email_verified,
                 'phone_number', u.phone_number, 'phone_number_verified', u.phone_number_verified, 'status', u.status,
                 'enabled', u.enabled, 'profile', u.profile, 'custom_attributes', u.custom_attributes)
          FROM users u WHERE u.id = $1) AS "user",
       COALESCE((SELECT json_agg(json_build_object('name', g.name, 'precedence', g.precedence, 'role', g.role_name) ORDER BY g.precedence, g.name)
                 FROM group_members m JOIN groups g ON g.id = m.group_id WHERE m.user_id = $1), '[]'::json) AS groups,
       s.default_role, s.ambiguous_role_resolution,
       COALESCE((SELECT json_agg(json_build_object('position', r.position, 'claim', r.claim, 'match_type', r.match_type, 'value', r.value, 'role_name', r.role_name) ORDER BY r.position)
                 FROM role_mapping_rules r), '[]'::json) AS rules,
       COALESCE((SELECT json_agg(json_build_object('name', ro.name, 'policy_template', ro.policy_template, 'max_duration_seconds', ro.max_duration_seconds))
                 FROM roles ro), '[]'::json) AS roles
     FROM pool_settings s`,
    [userId],
  );
  return rows[0]!;
}
