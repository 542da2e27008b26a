import type { Queryable } from '../../db/database.js';

export interface PendingEmailChangeRow {
  user_id: string;
  email: string;
  email_normalized: string;
  created_at: Date;
}

export async function upsertPendingEmailChange(db: Queryable, userId: string, email: string, emailNormalized: string): Promise<void> {
  await db.query(
    `INSERT INTO pending_email_changes (user_id, email, email_normalized) VALUES ($1, $2, $3)
     ON CONFLICT (user_id) DO UPDATE SET email = EXCLUDED.email, email_normalized = EXCLUDED.email_normalized, created_at = now()`,
    [userId, email, emailNormalized],
  );
}

export async function findPendingEmailChange(db: Queryable, userId: string): Promise<PendingEmailChangeRow | undefined> {
  const { rows } = await db.query<PendingEmailChangeRow>('SELECT user_id, email, email_normalized, created_at FROM pending_email_changes WHERE user_id = $1', [userId]);
  return rows[0];
}

/** Takes the pending change once (DELETE … RETURNING), so two confirmations cannot both apply it. */
export async function takePendingEmailChange(db: Queryable, userId: string, emailNormalized: string): Promise<PendingEmailChangeRow | undefined> {
  const { rows } = await db.query<PendingEmailChangeRow>(
    'DELETE FROM pending_email_changes WHERE user_id = $1 AND email_normalized = $2 RETURNING user_id, email, email_normalized, created_at',
    [userId, emailNormalized],
  );
  return rows[0];
}

export async function deletePendingEmailChange(db: Queryable, userId: string): Promise<void> {
  await db.query('DELETE FROM pending_email_changes WHERE user_id = $1', [userId]);
}
