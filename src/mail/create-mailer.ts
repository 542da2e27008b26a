import type { Config } from '../config/load-config.js';
import type { Database } from '../db/database.js';
import type { Logger } from '../lib/logger.js';
import { createOutboxMailer } from './dev-outbox.js';
import type { Mailer } from './mailer.js';
import { createSmtpMailer } from './smtp-mailer.js';
import { createMailTemplates, defaultMailViewsDir, themeAccent } from './templates.js';

/**
 * The mailer the configuration asks for: SMTP when `SMTP_URL` is set, else the development outbox.
 * Templates (and an operator's overrides) are checked here, so a broken one stops start-up.
 */
export function createMailer(deps: { config: Config; db: Database; logger: Logger; smtpTimeoutMs?: number }): Mailer {
  const { config, db, logger } = deps;
  const templates = createMailTemplates({
    dir: defaultMailViewsDir(),
    overridesDir: config.mail.templatesDir,
    productName: config.productName,
    issuer: config.issuer,
    ...themeAccent(config.themeCss),
  });
  if (config.mail.smtpUrl !== null) {
    return createSmtpMailer({ smtpUrl: config.mail.smtpUrl, from: config.mail.from, templates, logger, ...(deps.smtpTimeoutMs !== undefined ? { timeoutMs: deps.smtpTimeoutMs } : {}) });
  }
  return createOutboxMailer({ db, templates, logger });
}

/**
 * One start-up line on where mail goes. Without SMTP in production Latchkey still starts (sign-in, tokens
 * and federation need no mail, and refusing to start would turn a missing relay into an outage), but it
 * warns: verification and reset mail then reaches nobody until `SMTP_URL` is set.
 */
export function announceMailDelivery(config: Config, logger: Logger): void {
  if (config.mail.smtpUrl !== null) {
    logger.info({ event: 'mail.delivery', via: 'smtp', host: new URL(config.mail.smtpUrl).hostname }, 'mail is delivered over SMTP');
  } else if (config.production) {
    logger.warn({ event: 'mail.delivery', via: 'outbox' }, 'SMTP_URL is not set: mail is NOT delivered; verification and password-reset messages go to the development outbox (latchkey mail outbox)');
  } else {
    logger.info({ event: 'mail.delivery', via: 'outbox' }, 'SMTP_URL is not set: mail goes to the development outbox (latchkey mail outbox)');
  }
}
