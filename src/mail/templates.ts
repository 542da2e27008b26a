import { readFileSync, statSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import nunjucks from 'nunjucks';
import { ConfigError } from '../config/load-config.js';
import { MAIL_TEMPLATES, REQUIRED_MAIL_DATA, type MailTemplate } from './mailer.js';

/** A message ready to send: the subject comes from the text template's `{% set subject %}` block. */
export interface RenderedMail {
  readonly subject: string;
  readonly text: string;
  readonly html: string;
}

export interface MailTemplates {
  /** Renders `<template>.txt.njk` (plain) and `<template>.html.njk` (auto-escaped) with the same values. */
  render(template: MailTemplate, data: Readonly<Record<string, string>>): RenderedMail;
}

/** Fixed templates, or the templates as they stand now (they follow the stored `emailTemplates`). */
export type MailTemplatesSource = MailTemplates | (() => Promise<MailTemplates>);

/** The templates to render a message with now. */
export async function templatesNow(source: MailTemplatesSource): Promise<MailTemplates> {
  return typeof source === 'function' ? source() : source;
}

export interface MailTemplateOptions {
  /** `views/mail/` (see {@link defaultMailViewsDir}). */
  readonly dir: string;
  /** `LATCHKEY_MAIL_TEMPLATES`: searched first, so a template of the same name replaces the built-in one. */
  readonly overridesDir: string | null;
  readonly productName: string;
  readonly issuer: string;
  /** Button colour and the text on it; defaults match the hosted pages' `--lk-accent` and `--lk-accent-text`. */
  readonly accent?: string;
  readonly accentText?: string;
  /**
   * Parts stored by the declarative configuration (`emailTemplates`), by template name: searched before
   * `overridesDir` and views/mail, so a stored part wins; a part that is null falls through to them.
   */
  readonly stored?: Readonly<Record<string, StoredMailTemplate>>;
}

/** A template's stored parts: the text (which sets the subject) and the HTML; null keeps the file's. */
export interface StoredMailTemplate {
  readonly text: string | null;
  readonly html: string | null;
}

const DEFAULT_ACCENT = '#3557d6';
const DEFAULT_ACCENT_TEXT = '#ffffff';

/** Finds `views/mail/` at the package root, from `src/mail` or `dist/src/mail`. */
export function defaultMailViewsDir(): string {
  let dir = dirname(fileURLToPath(import.meta.url));
  for (let i = 0; i < 5; i += 1) {
    const candidate = join(dir, 'views', 'mail');
    try {
      readFileSync(join(candidate, 'verify-email.txt.njk'));
      return candidate;
    } catch { /* keep climbing */ }
    dir = dirname(dir);
  }
  throw new Error('views/mail directory not found');
}

/**
 * The accent colour a theme stylesheet (`LATCHKEY_THEME_CSS`) sets, so mail looks like the hosted pages.
 * Only a plain hex colour is taken: the value lands in a style attribute, and anything richer (a `var()`,
 * a gradient) would be CSS we do not control in a mail client. Unreadable or absent: the default.
 */
export function themeAccent(themeCssFile: string | null): { accent?: string; accentText?: string } {
  if (!themeCssFile) return {};
  try {
    return themeAccentOf(readFileSync(themeCssFile, 'utf8'));
  } catch {
    return {};
  }
}

/** The accent colours a theme stylesheet's text sets (see {@link themeAccent}). */
export function themeAccentOf(css: string): { accent?: string; accentText?: string } {
  const pick = (name: string) => new RegExp(`--lk-${name}\\s*:\\s*(#[0-9a-fA-F]{3,8})\\s*[;}]`).exec(css)?.[1];
  const accent = pick('accent');
  const accentText = pick('accent-text');
  return { ...(accent ? { accent } : {}), ...(accentText ? { accentText } : {}) };
}

interface ExportingTemplate {
  getExported(context: object, callback: (error: Error | null, exported: Record<string, unknown>) => void): void;
}

/**
 * Builds the renderer. Every template is rendered once here with sample values, so a broken override (a
 * syntax error, a text template without a subject) stops start-up instead of the first sign-up.
 */
export function createMailTemplates(options: MailTemplateOptions): MailTemplates {
  if (options.overridesDir !== null) assertDirectory(options.overridesDir);
  const searchPath = options.overridesDir !== null ? [options.overridesDir, options.dir] : [options.dir];
  const loaders = () => [storedLoader(options.stored ?? {}), new nunjucks.FileSystemLoader(searchPath)];
  // One environment per output: HTML auto-escapes every value (a hostile name or link cannot add markup);
  // plain text must not, or `&` in a link would reach the reader as `&amp;`.
  const html = new nunjucks.Environment(loaders(), { autoescape: true });
  const text = new nunjucks.Environment(loaders(), { autoescape: false });
  const fixed = {
    productName: options.productName,
    issuer: options.issuer,
    accent: options.accent ?? DEFAULT_ACCENT,
    accentText: options.accentText ?? DEFAULT_ACCENT_TEXT,
  };

  const render = (template: MailTemplate, data: Readonly<Record<string, string>>): RenderedMail => {
    for (const key of REQUIRED_MAIL_DATA[template]) {
      if (typeof data[key] !== 'string' || data[key] === '') throw new Error(`mail template ${template} needs data.${key}`);
    }
    const link = data['link'];
    // Every absolute URL Latchkey emits comes from the issuer; a link elsewhere is a caller's bug.
    if (link !== undefined && !link.startsWith(`${options.issuer}/`)) throw new Error(`mail template ${template}: data.link must be under the issuer`);
    const context = { ...data, ...fixed };
    const textTemplate = text.getTemplate(`${template}.txt.njk`);
    const subject = oneLine(exportedSubject(textTemplate as unknown as ExportingTemplate, context, template));
    return {
      subject,
      text: `${textTemplate.render(context).trim()}\n`,
      html: html.render(`${template}.html.njk`, { ...context, subject }),
    };
  };

  const sample = { code: '000000', link: `${options.issuer}/` };
  for (const template of MAIL_TEMPLATES) {
    try {
      render(template, sample);
    } catch (error) {
      const where = [...(options.stored && Object.keys(options.stored).length > 0 ? ['the stored emailTemplates'] : []), ...(options.overridesDir !== null ? [`LATCHKEY_MAIL_TEMPLATES (${options.overridesDir})`] : []), 'views/mail'].join(' or ');
      throw new ConfigError([`${where}: ${template}: ${error instanceof Error ? error.message : String(error)}`]);
    }
  }
  return { render };
}

/** Serves the stored parts as `<name>.txt.njk` and `<name>.html.njk`; any other name falls through. */
function storedLoader(stored: Readonly<Record<string, StoredMailTemplate>>): nunjucks.ILoader {
  const sources = new Map<string, string>();
  for (const [name, parts] of Object.entries(stored)) {
    if (parts.text !== null) sources.set(`${name}.txt.njk`, parts.text);
    if (parts.html !== null) sources.set(`${name}.html.njk`, parts.html);
  }
  // Typed as the loader contract says (a missing template is null, which its types leave out).
  return { getSource: (name) => (sources.has(name) ? { src: sources.get(name)!, path: `emailTemplates/${name}`, noCache: false } : null) as nunjucks.LoaderSource };
}

/**
 * Why stored parts for `template` would not render, or undefined: the template is built with them and
 * rendered once with the mailer's sample values (as at start-up), over the built-in templates.
 */
export function storedTemplateProblem(template: MailTemplate, parts: StoredMailTemplate, dir: string = defaultMailViewsDir()): string | undefined {
  const sample = { code: '000000', link: 'https://latchkey.example/' };
  try {
    const templates = createMailTemplates({ dir, overridesDir: null, productName: 'Latchkey', issuer: 'https://latchkey.example', stored: { [template]: parts } });
    templates.render(template, sample);
    return undefined;
  } catch (error) {
    const message = error instanceof ConfigError ? error.problems.join('; ') : error instanceof Error ? error.message : String(error);
    return message.replace(/^.*?views\/mail: /, '').replace(/\s+/g, ' ').trim();
  }
}

function exportedSubject(template: ExportingTemplate, context: object, name: string): string {
  const result: { error: Error | null; subject: unknown } = { error: null, subject: undefined };
  // Synchronous with nunjucks' synchronous loaders: the callback has run when getExported returns.
  template.getExported(context, (error, exported) => {
    result.error = error;
    result.subject = exported?.['subject'];
  });
  if (result.error) throw result.error;
  const subject = result.subject;
  if (typeof subject !== 'string' || subject.trim() === '') throw new Error(`${name}.txt.njk sets no subject ({% set subject %}…{% endset %})`);
  return subject;
}

/** A subject is one header line: line breaks would start another header. */
function oneLine(value: string): string {
  return value.replace(/\s+/g, ' ').trim();
}

function assertDirectory(dir: string): void {
  let isDirectory = false;
  try {
    isDirectory = statSync(dir).isDirectory();
  } catch { /* reported below */ }
  if (!isDirectory) throw new ConfigError([`LATCHKEY_MAIL_TEMPLATES: ${dir} is not a readable directory`]);
}
