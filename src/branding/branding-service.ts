import { recordAudit } from '../audit/record-audit.js';
import type { Database } from '../db/database.js';
import { InvalidRequestError, type FieldProblem } from '../errors/app-error.js';
import { systemClock, type Clock } from '../lib/clock.js';
import type { MailTemplate } from '../mail/mailer.js';
import { storedTemplateProblem, type StoredMailTemplate } from '../mail/templates.js';
import * as repo from './repositories/branding.repository.js';
import { MAX_BRANDING_BYTES, themeCssProblems } from './theme-css.js';

/** The theme and mail template parts stored by the declarative configuration (none: the environment's apply). */
export interface StoredBranding {
  themeCss: string | null;
  mailTemplates: Readonly<Partial<Record<MailTemplate, StoredMailTemplate>>>;
}

export interface BrandingService {
  /** What is stored, read now (export, planning). */
  stored(): Promise<StoredBranding>;
  /**
   * What is stored, as the hosted pages and the mailer use it: read at most once per TTL, so a change made on
   * one replica reaches every replica within that time, without a restart. While the database cannot be
   * read, the last value read is kept.
   */
  current(): Promise<StoredBranding>;
  /** Stores the theme stylesheet (null: none, LATCHKEY_THEME_CSS applies); InvalidRequestError names each problem. */
  setTheme(css: string | null): Promise<void>;
  /** Stores a template's parts after rendering them once with sample values; InvalidRequestError when they do not render. */
  setMailTemplate(name: MailTemplate, parts: StoredMailTemplate): Promise<void>;
  removeMailTemplate(name: MailTemplate): Promise<void>;
}

/** How long a replica keeps what it read: the same as the password policy's. */
const DEFAULT_TTL_MS = 5_000;

/** The theme stylesheet and mail templates stored in Postgres (`theme`, `emailTemplates` in the configuration file). */
export function createBrandingService(deps: { db: Database; clock?: Clock; ttlMs?: number }): BrandingService {
  const { db } = deps;
  const clock = deps.clock ?? systemClock;
  const ttl = deps.ttlMs ?? DEFAULT_TTL_MS;
  let cached: { value: StoredBranding; until: number } | undefined;

  const stored = async (): Promise<StoredBranding> => {
    const [themeCss, rows] = [await repo.findTheme(db), await repo.listMailTemplateOverrides(db)];
    return { themeCss, mailTemplates: Object.fromEntries(rows.map((row) => [row.name, { text: row.text_body, html: row.html_body }])) };
  };
  const partProblems = (name: MailTemplate, parts: StoredMailTemplate) => {
    const problems: FieldProblem[] = (['text', 'html'] as const)
      .filter((part) => { const value = parts[part]; return value !== null && Buffer.byteLength(value, 'utf8') > MAX_BRANDING_BYTES; })
      .map((part) => ({ path: part, message: `is larger than ${MAX_BRANDING_BYTES} bytes` }));
    if (parts.text === null && parts.html === null) problems.push({ path: 'text', message: 'give text, html or both' });
    const rendering = problems.length === 0 ? storedTemplateProblem(name, parts) : undefined;
    if (rendering) problems.push({ path: name, message: `does not render: ${rendering}` });
    return problems;
  };

  return {
    stored,
    async current() {
      const now = clock.now().getTime();
      if (cached && cached.until > now) return cached.value;
      let value: StoredBranding;
      try {
        value = await stored();
      } catch (error) {
        // The database unreachable for a moment: keep what was read (tried again after another TTL) rather
        // than failing every stylesheet and message; with nothing read yet, the caller decides.
        if (!cached) throw error;
        value = cached.value;
      }
      cached = { value, until: now + ttl };
      return value;
    },
    async setTheme(css) {
      const problems = css === null ? [] : themeCssProblems(css);
      if (problems.length > 0) throw new InvalidRequestError('invalid theme', problems.map((message) => ({ path: 'css', message })));
      await db.transaction(async (tx) => {
        if (css === null) await repo.deleteTheme(tx);
        else await repo.upsertTheme(tx, css);
        await recordAudit(tx, { type: 'theme.updated', details: { stored: css !== null, bytes: css === null ? 0 : Buffer.byteLength(css, 'utf8') } });
      });
    },
    async setMailTemplate(name, parts) {
      const problems = partProblems(name, parts);
      if (problems.length > 0) throw new InvalidRequestError(`invalid mail template ${name}`, problems);
      await db.transaction(async (tx) => {
        await repo.upsertMailTemplateOverride(tx, { name, text_body: parts.text, html_body: parts.html });
        await recordAudit(tx, { type: 'mail_template.updated', details: { template: name, parts: (['text', 'html'] as const).filter((part) => parts[part] !== null) } });
      });
    },
    async removeMailTemplate(name) {
      await db.transaction(async (tx) => {
        if (await repo.deleteMailTemplateOverrideByName(tx, name)) await recordAudit(tx, { type: 'mail_template.removed', details: { template: name } });
      });
    },
  };
}
