import type { Queryable } from '../../db/database.js';
import { USER_COLUMNS, type UserRow } from './user.repository.js';

export interface UserSearchFilter {
  /** Normalised prefix of the username or the e-mail address. */
  prefix?: string | undefined;
  /** Exact normalised e-mail address or username. */
  email?: string | undefined;
  username?: string | undefined;
  /** A custom attribute's value (as text) or a standard profile claim's. */
  attribute?: { name: string; value: string; custom: boolean } | undefined;
  status?: UserRow['status'] | undefined;
  enabled?: boolean | undefined;
  /** Keyset position: users after this (created_at, id). */
  after?: { createdAt: Date; id: string } | undefined;
  limit: number;
}

/**
 * Users by filter in (created_at, id) order: a keyset, so pages neither repeat nor skip users while others
 * are created. The order and the comparison use created_at to the millisecond, the precision the position
 * comes back in (a JavaScript Date): compared at Postgres' microseconds, the last row of a page would sort after
 * its own position and be repeated. Every condition is a parameter; an absent one is `NULL` and matches everything.
 */
export async function searchUsers(db: Queryable, filter: UserSearchFilter): Promise<UserRow[]> {
  const { rows } = await db.query<UserRow>(
    `SELECT ${USER_COLUMNS} FROM users
      WHERE ($1::text IS NULL OR starts_with(username_normalized, $1) OR starts_with(email_normalized, $1))
        AND ($2::text IS NULL OR email_normalized = $2)
        AND ($3::text IS NULL OR username_normalized = $3)
        AND ($4::text IS NULL OR (CASE WHEN $6::boolean THEN custom_attributes ELSE profile END) ->> $4 = $5)
        AND ($7::text IS NULL OR status = $7)
        AND ($8::boolean IS NULL OR enabled = $8)
        AND ($9::timestamptz IS NULL OR (date_trunc('milliseconds', created_at), id) > ($9::timestamptz, $10::uuid))
      ORDER BY date_trunc('milliseconds', created_at), id LIMIT $11`,
    [
      filter.prefix ?? null, filter.email ?? null, filter.username ?? null,
      filter.attribute?.name ?? null, filter.attribute?.value ?? null, filter.attribute?.custom ?? false,
      filter.status ?? null, filter.enabled ?? null,
      filter.after?.createdAt ?? null, filter.after?.id ?? null, filter.limit,
    ],
  );
  return rows;
}

/** Counts for the console's dashboard: users by state, in one query. */
export async function countUsersByState(db: Queryable): Promise<{ total: number; confirmed: number; unconfirmed: number; reset_required: number; disabled: number }> {
  const { rows } = await db.query<{ total: number; confirmed: number; unconfirmed: number; reset_required: number; disabled: number }>(
    `SELECT count(*)::int AS total,
            count(*) FILTER (WHERE status = 'confirmed' AND enabled)::int AS confirmed,
            count(*) FILTER (WHERE status = 'unconfirmed')::int AS unconfirmed,
            count(*) FILTER (WHERE status = 'reset_required')::int AS reset_required,
            count(*) FILTER (WHERE NOT enabled)::int AS disabled
       FROM users`,
  );
  return rows[0]!;
}
