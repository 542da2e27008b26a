import type { Queryable } from '../../db/database.js';

export type AdminAccess = 'admin' | 'read';

export interface AdminMemberRow {
  user_id: string;
  access: AdminAccess;
  granted_at: Date;
  username: string | null;
  email: string | null;
}

/**
 * Grants (or changes) a user's admin access; returns the previous access, null when there was none. One
 * statement with the guard in its WHERE: a row that already has this access is left alone and returns
 * nothing. (A `FOR UPDATE` CTE read from RETURNING would see the row this statement just changed, skip it
 * and report no previous access every time.) Access has two values, so a changed row's previous one is the other.
 */
export async function upsertAdminMember(db: Queryable, userId: string, access: AdminAccess): Promise<{ previous: AdminAccess | null }> {
  const { rows } = await db.query<{ inserted: boolean }>(
    `INSERT INTO admin_members (user_id, access) VALUES ($1, $2)
     ON CONFLICT (user_id) DO UPDATE SET access = EXCLUDED.access WHERE admin_members.access <> EXCLUDED.access
     RETURNING (xmax = 0) AS inserted`,
    [userId, access],
  );
  const row = rows[0];
  if (!row) return { previous: access };
  return { previous: row.inserted ? null : access === 'admin' ? 'read' : 'admin' };
}

export async function deleteAdminMemberByUserId(db: Queryable, userId: string): Promise<boolean> {
  const { rowCount } = await db.query('DELETE FROM admin_members WHERE user_id = $1', [userId]);
  return rowCount > 0;
}

export async function findAdminAccessByUserId(db: Queryable, userId: string): Promise<AdminAccess | null> {
  const { rows } = await db.query<{ access: AdminAccess }>('SELECT access FROM admin_members WHERE user_id = $1', [userId]);
  return rows[0]?.access ?? null;
}

export async function findAdminMembers(db: Queryable): Promise<AdminMemberRow[]> {
  const { rows } = await db.query<AdminMemberRow>(
    `SELECT m.user_id, m.access, m.granted_at, u.username, u.email
       FROM admin_members m JOIN users u ON u.id = m.user_id ORDER BY m.granted_at, m.user_id`,
  );
  return rows;
}
