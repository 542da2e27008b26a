import type { Database } from '../db/database.js';
import type { Logger } from '../lib/logger.js';
import type { Mailer } from './mailer.js';
import { assertSingleRecipient } from './recipient.js';
import { deleteOutboxBeyond, insertOutboxMessage, listOutboxMessages, type OutboxRow } from './repositories/outbox.repository.js';
import { templatesNow, type MailTemplatesSource } from './templates.js';

/** How many messages the outbox keeps; older ones are removed as new ones arrive. */
export const OUTBOX_KEEP = 200;

/** One message as `latchkey mail outbox` shows it. */
export interface OutboxMessage {
  id: number;
  to: string;
  template: string;
  subject: string;
  text: string;
  html: string;
  created_at: string;
}

export interface DevOutbox {
  /** The newest messages first; `to` compares case-insensitively. */
  list(filter: { to?: string; limit: number }): Promise<OutboxMessage[]>;
}

/** Reads the development outbox (the CLI's `mail outbox`). */
export function createDevOutbox(db: Database): DevOutbox {
  return {
    async list(filter) {
      const rows = await listOutboxMessages(db, { ...(filter.to !== undefined ? { recipient: filter.to } : {}), limit: filter.limit });
      return rows.map(present);
    },
  };
}

function present(row: OutboxRow): OutboxMessage {
  return { id: row.id, to: row.recipient, template: row.template, subject: row.subject, text: row.text_body, html: row.html_body, created_at: row.created_at.toISOString() };
}

/**
 * The mailer used when no SMTP relay is configured: the message is rendered exactly as it would be sent
 * and stored, and one log line says where to read it. The line names the address and subject only: the
 * body carries a code, and secrets never reach logs (subjects are written to hold no code).
 */
export function createOutboxMailer(options: { db: Database; templates: MailTemplatesSource; logger: Logger; keep?: number }): Mailer {
  const keep = options.keep ?? OUTBOX_KEEP;
  return {
    async send(message) {
      const to = assertSingleRecipient(message.to);
      const rendered = (await templatesNow(options.templates)).render(message.template, message.data);
      await options.db.transaction(async (tx) => {
        await insertOutboxMessage(tx, { recipient: to, template: message.template, subject: rendered.subject, text_body: rendered.text, html_body: rendered.html });
        await deleteOutboxBeyond(tx, keep);
      });
      options.logger.info(
        { event: 'mail.outbox', to, template: message.template, subject: rendered.subject },
        `a message to ${to} ("${rendered.subject}") was written to the development outbox; read it with: latchkey mail outbox --to ${to}`,
      );
    },
  };
}
