import type { Transporter } from 'nodemailer';
import { MailUnavailableError } from '../errors/app-error.js';
import type { Logger } from '../lib/logger.js';
import type { Mailer } from './mailer.js';
import { assertSingleRecipient } from './recipient.js';
import { templatesNow, type MailTemplatesSource } from './templates.js';

/** Connection, greeting and idle-socket limits: a relay that hangs must not hold a sign-up for minutes. */
export const SMTP_TIMEOUT_MS = 10_000;

export interface SmtpMailerOptions {
  /** `SMTP_URL`; it may carry the relay's credentials, so it is never logged. */
  readonly smtpUrl: string;
  /** `MAIL_FROM`. */
  readonly from: string;
  readonly templates: MailTemplatesSource;
  readonly logger: Logger;
  /** Overrides {@link SMTP_TIMEOUT_MS} for each of the three limits. */
  readonly timeoutMs?: number;
}

/**
 * Delivers over SMTP with nodemailer, one connection per message (sign-up and reset mail is rare, and a
 * pool would keep sockets to a relay that may have restarted). STARTTLS is used whenever the relay offers
 * it on `smtp://`; `smtps://` is TLS from the first byte. Logs name the template and the relay's answer,
 * never the body, the subject's recipient data or a code.
 */
export function createSmtpMailer(options: SmtpMailerOptions): Mailer {
  const timeout = options.timeoutMs ?? SMTP_TIMEOUT_MS;
  // nodemailer is loaded with the first message, not at start: every CLI command builds the services, and
  // almost none sends mail.
  let transport: Promise<Transporter> | undefined;
  const transportOnce = () => transport ??= import('nodemailer').then(({ default: nodemailer }) => nodemailer.createTransport({
    url: options.smtpUrl,
    connectionTimeout: timeout,
    greetingTimeout: timeout,
    socketTimeout: timeout,
    // nodemailer's own logger would print SMTP transcripts, message bodies included.
    logger: false,
    debug: false,
  }));
  return {
    async send(message) {
      const to = assertSingleRecipient(message.to);
      const rendered = (await templatesNow(options.templates)).render(message.template, message.data);
      try {
        const info = await (await transportOnce()).sendMail({ from: options.from, to, subject: rendered.subject, text: rendered.text, html: rendered.html });
        options.logger.info({ event: 'mail.sent', template: message.template, messageId: info.messageId }, 'mail handed to the SMTP relay');
      } catch (error) {
        const failure = error as { code?: unknown; responseCode?: unknown; command?: unknown };
        const detail = [failure.code, failure.command, failure.responseCode].filter((part) => typeof part === 'string' || typeof part === 'number').join(' ');
        options.logger.warn({ event: 'mail.failed', template: message.template, smtpError: detail || 'unknown' }, 'mail could not be handed to the SMTP relay');
        throw new MailUnavailableError(undefined, { cause: error, detail: `SMTP: ${detail || 'unknown error'}` });
      }
    },
  };
}
