import type { Command } from 'commander';
import { InvalidRequestError } from '../errors/app-error.js';
import { createDevOutbox, OUTBOX_KEEP, type OutboxMessage } from '../mail/dev-outbox.js';
import { withCliContext } from './cli-context.js';
import { createOutput } from './output.js';

function out(program: Command) {
  return createOutput(Boolean(program.opts().json));
}

function parseLimit(value: string): number {
  const limit = Number(value);
  if (!/^\d+$/.test(value) || limit < 1 || limit > OUTBOX_KEEP) throw new InvalidRequestError(`--limit must be a whole number from 1 to ${OUTBOX_KEEP}`);
  return limit;
}

/** One message as a person reads it: headers, then the text part (the HTML part is in --json). */
function showMessage(message: OutboxMessage): string {
  return [`Date: ${message.created_at}`, `To: ${message.to}`, `Subject: ${message.subject}`, `Template: ${message.template}`, '', message.text.trimEnd()].join('\n');
}

/** `latchkey mail …`: the development outbox, where mail goes when no SMTP relay is configured. */
export function registerMailCommands(program: Command, env: NodeJS.ProcessEnv): void {
  const mail = program.command('mail').description('outgoing mail (verification and password-reset messages)');
  mail.command('outbox')
    .description(`print the newest messages of the development outbox (mail kept instead of sent when SMTP_URL is unset; the last ${OUTBOX_KEEP} are kept)`)
    .option('--to <address>', 'only messages to this address')
    .option('--limit <n>', 'how many messages, newest first', '10')
    .action(async (o: { to?: string; limit: string }) => {
      const limit = parseLimit(o.limit);
      await withCliContext(env, async ({ config, db }) => {
        const output = out(program);
        if (config.mail.smtpUrl !== null) {
          output.result({ delivery: 'smtp', messages: [] }, () => 'mail is delivered over SMTP; the outbox is empty');
          return;
        }
        const messages = await createDevOutbox(db).list({ ...(o.to !== undefined ? { to: o.to } : {}), limit });
        output.result({ delivery: 'outbox', messages }, () => {
          if (messages.length === 0) return o.to !== undefined ? `the outbox holds no mail to ${o.to}` : 'the outbox is empty';
          return messages.map(showMessage).join(`\n\n${'-'.repeat(72)}\n\n`);
        });
      });
    });
}
