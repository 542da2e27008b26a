import type { Queryable } from '../../db/database.js';

export interface OutboxRow {
  id: number;
  recipient: string;
  template: string;
  subject: string;
  text_body: string;
  html_body: string;
  created_at: Date;
}

export type NewOutboxMessage = Omit<OutboxRow, 'id' | 'created_at'>;

const COLUMNS = 'id, recipient, template, subject, text_body, html_body, created_at';

export async function insertOutboxMessage(db: Queryable, message: NewOutboxMessage): Promise<void> {
  await db.query(
    'INSERT INTO dev_outbox (recipient, template, subject, text_body, html_body) VALUES ($1, $2, $3, $4, $5)',
    [message.recipient, message.template, message.subject, message.text_body, message.html_body],
  );
}

/**
 * Deletes all but the newest `keep` messages. Ordered by the identity column, not `created_at`, so messages
 * written in the same instant still have one order; running it twice, or on two replicas, is harmless.
 */
export async function deleteOutboxBeyond(db: Queryable, keep: number): Promise<number> {
  const { rowCount } = await db.query(
    'DELETE FROM dev_outbox WHERE id <= (SELECT id FROM dev_outbox ORDER BY id DESC OFFSET $1 LIMIT 1)',
    [keep],
  );
  return rowCount;
}

/** The newest messages first, optionally only those to one address (compared case-insensitively). */
export async function listOutboxMessages(db: Queryable, filter: { recipient?: string; limit: number }): Promise<OutboxRow[]> {
  const { rows } = await db.query<OutboxRow>(
    `SELECT ${COLUMNS} FROM dev_outbox WHERE ($1::text IS NULL OR lower(recipient) = lower($1)) ORDER BY id DESC LIMIT $2`,
    [filter.recipient ?? null, filter.limit],
  );
  return rows;
}
