import type { Queryable } from '../../db/database.js';

export interface GroupRow {
  id: string;
  name: string;
  description: string;
  precedence: number;
  role_name: string | null;
  created_at: Date;
}

const GROUP_COLUMNS = 'id, name, description, precedence, role_name, created_at';

export async function insertGroup(db: Queryable, group: { name: string; description: string; precedence: number; roleName: string | null }): Promise<GroupRow | undefined> {
  const { rows } = await db.query<GroupRow>(
    `INSERT INTO groups (name, description, precedence, role_name) VALUES ($1, $2, $3, $4)
     ON CONFLICT (name) DO NOTHING RETURNING ${GROUP_COLUMNS}`,
    [group.name, group.description, group.precedence, group.roleName],
  );
  return rows[0];
}

export async function findGroupByName(db: Queryable, name: string): Promise<GroupRow | undefined> {
  const { rows } = await db.query<GroupRow>(`SELECT ${GROUP_COLUMNS} FROM groups WHERE name = $1`, [name]);
  return rows[0];
}

export async function listGroups(db: Queryable): Promise<(GroupRow & { members: number })[]> {
  const { rows } = await db.query<GroupRow & { members: number }>(
    `SELECT ${GROUP_COLUMNS.split(', ').map((c) => `g.${c}`).join(', ')}, count(m.user_id)::int AS members
     FROM groups g LEFT JOIN group_members m ON m.group_id = g.id GROUP BY g.id ORDER BY g.precedence, g.name`,
  );
  return rows;
}

/**
 * Adds a member by hand; returns false when they already were one (idempotent). A membership that a
 * federation group rule granted becomes a hand-granted one, which rules never withdraw.
 */
export async function insertGroupMember(db: Queryable, groupId: string, userId: string): Promise<boolean> {
  const { rows } = await db.query<{ inserted: boolean }>(
    `INSERT INTO group_members (group_id, user_id) VALUES ($1, $2)
     ON CONFLICT (group_id, user_id) DO UPDATE SET granted_by_provider = NULL WHERE group_members.granted_by_provider IS NOT NULL
     RETURNING (xmax = 0) AS inserted`,
    [groupId, userId],
  );
  return rows[0]?.inserted === true;
}

export async function deleteGroupMember(db: Queryable, groupId: string, userId: string): Promise<boolean> {
  const { rowCount } = await db.query('DELETE FROM group_members WHERE group_id = $1 AND user_id = $2', [groupId, userId]);
  return rowCount === 1;
}

export async function findGroupNamesByUserId(db: Queryable, userId: string): Promise<string[]> {
  const { rows } = await db.query<{ name: string }>(
    `SELECT g.name FROM group_members m JOIN groups g ON g.id = m.group_id WHERE m.user_id = $1 ORDER BY g.precedence, g.name`,
    [userId],
  );
  return rows.map((r) => r.name);
}

export async function findGroupWithMemberCountByName(db: Queryable, name: string): Promise<(GroupRow & { members: number }) | undefined> {
  const { rows } = await db.query<GroupRow & { members: number }>(
    `SELECT ${GROUP_COLUMNS.split(', ').map((c) => `g.${c}`).join(', ')}, (SELECT count(*)::int FROM group_members m WHERE m.group_id = g.id) AS members
     FROM groups g WHERE g.name = $1`,
    [name],
  );
  return rows[0];
}

/** Changes the fields given (null: unchanged; `role: null` in `roleName` with `setRole` clears the role). */
export async function updateGroupByName(db: Queryable, name: string, changes: { description: string | null; precedence: number | null; setRole: boolean; roleName: string | null }): Promise<GroupRow | undefined> {
  const { rows } = await db.query<GroupRow>(
    `UPDATE groups SET
       description = COALESCE($2, description),
       precedence = COALESCE($3, precedence),
       role_name = CASE WHEN $4::boolean THEN $5 ELSE role_name END
     WHERE name = $1 RETURNING ${GROUP_COLUMNS}`,
    [name, changes.description, changes.precedence, changes.setRole, changes.roleName],
  );
  return rows[0];
}

/** Deletes a group; its memberships and federation group rules go with it (ON DELETE CASCADE). */
export async function deleteGroupByName(db: Queryable, name: string): Promise<(GroupRow & { members: number }) | undefined> {
  const { rows } = await db.query<GroupRow & { members: number }>(
    `DELETE FROM groups g WHERE g.name = $1
     RETURNING ${GROUP_COLUMNS.split(', ').map((c) => `g.${c}`).join(', ')}, (SELECT count(*)::int FROM group_members m WHERE m.group_id = g.id) AS members`,
    [name],
  );
  return rows[0];
}

export interface GroupMemberRow {
  user_id: string;
  username: string | null;
  email: string | null;
  /** The provider whose group rule granted the membership; null: granted by hand. */
  granted_by_provider: string | null;
  created_at: Date;
}

/** One page of a group's members in user-id order, after `afterUserId` (a keyset: stable under inserts). */
export async function listGroupMembers(db: Queryable, groupId: string, page: { afterUserId: string | null; limit: number }): Promise<GroupMemberRow[]> {
  const { rows } = await db.query<GroupMemberRow>(
    `SELECT m.user_id, u.username, u.email, m.granted_by_provider, m.created_at
       FROM group_members m JOIN users u ON u.id = m.user_id
      WHERE m.group_id = $1 AND ($2::uuid IS NULL OR m.user_id > $2::uuid)
      ORDER BY m.user_id LIMIT $3`,
    [groupId, page.afterUserId, page.limit],
  );
  return rows;
}
