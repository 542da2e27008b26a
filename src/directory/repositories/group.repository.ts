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
