import type { StoredBranding } from '../branding/branding-service.js';
import type { Config } from '../config/load-config.js';
import type { Database } from '../db/database.js';
import type { Logger } from '../lib/logger.js';
import { createOutboxMailer } from './dev-outbox.js';
import type { Mailer } from './mailer.js';
import { createSmtpMailer } from './smtp-mailer.js';
import { createMailTemplates, defaultMailViewsDir, themeAccent, themeAccentOf, type MailTemplates } from './templates.js';

/**
 * The mailer the configuration asks for: SMTP when `SMTP_URL` is set, else the development outbox.
 * Templates (and an operator's overrides) are checked here, so a broken one stops start-up.
 */
export function createMailer(deps: { config: Config; db: Database; logger: Logger; smtpTimeoutMs?: number; branding?: { current(): Promise<StoredBranding> } }): Mailer {
  const { config, db, logger } = deps;
  const build = (stored: StoredBranding | null): MailTemplates => createMailTemplates({
    dir: defaultMailViewsDir(),
    overridesDir: config.mail.templatesDir,
    productName: config.productName,
    issuer: config.issuer,
    // A stored theme replaces LATCHKEY_THEME_CSS, for the accent colour too.
    ...(stored && stored.themeCss !== null ? themeAccentOf(stored.themeCss) : themeAccent(config.themeCss)),
    ...(stored ? { stored: stored.mailTemplates } : {}),
  });
  const fromFiles = build(null);
  const templates = deps.branding ? brandedTemplates(fromFiles, build, deps.branding) : fromFiles;
  if (config.mail.smtpUrl !== null) {
    return createSmtpMailer({ smtpUrl: config.mail.smtpUrl, from: config.mail.from, templates, logger, ...(deps.smtpTimeoutMs !== undefined ? { timeoutMs: deps.smtpTimeoutMs } : {}) });
  }
  return createOutboxMailer({ db, templates, logger });
}

/**
 * The templates for what is stored now (through the branding cache): the file-based ones while nothing is
 * stored, else ones built over the stored parts, rebuilt only when those change. A stored set that no longer
 * builds (written by another Latchkey version) falls back to the file-based templates rather than stopping mail.
 */
function brandedTemplates(fromFiles: MailTemplates, build: (stored: StoredBranding) => MailTemplates, branding: { current(): Promise<StoredBranding> }): () => Promise<MailTemplates> {
  let last: { key: string; templates: MailTemplates } | undefined;
  return async () => {
    const stored = await branding.current();
    if (stored.themeCss === null && Object.keys(stored.mailTemplates).length === 0) return fromFiles;
    // Read in one order (by name, fixed fields), so the same stored set gives the same key.
    const key = JSON.stringify(stored);
    if (last?.key !== key) {
      let templates: MailTemplates;
      try {
        templates = build(stored);
      } catch {
        templates = fromFiles;
      }
      last = { key, templates };
    }
    return last.templates;
  };
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
