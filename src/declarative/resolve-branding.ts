import { dirname, resolve } from 'node:path';
import { themeCssProblems } from '../branding/theme-css.js';
import type { FieldProblem } from '../errors/app-error.js';
import type { MailTemplate } from '../mail/mailer.js';
import { storedTemplateProblem } from '../mail/templates.js';
import type { ConfigDocument } from './config-document.schema.js';
import { formatConfigPath } from './config-path.js';
import type { DesiredEmailTemplate, DesiredState } from './desired-state.js';

type Read = (path: string) => Buffer;

/**
 * The `theme` and `emailTemplates` sections resolved: files read relative to the configuration file, the
 * stylesheet checked (size, remote loads, `</style`), and each template part rendered once with the mailer's
 * sample values over the built-in templates, so a part that would fail a message is refused here, at its
 * place in the file. Problems are added to `problems`.
 */
export function resolveBranding(document: ConfigDocument, file: string, read: Read, problems: FieldProblem[]): Pick<DesiredState, 'theme' | 'emailTemplates'> {
  const readText = (relative: string, path: string): string | null => {
    try {
      return read(resolve(dirname(file), relative)).toString('utf8');
    } catch {
      problems.push({ path, message: `${relative} cannot be read` });
      return null;
    }
  };
  const state: Pick<DesiredState, 'theme' | 'emailTemplates'> = {};
  if (document.theme) {
    const { css: inline, cssFile } = document.theme;
    const path = formatConfigPath(['theme', cssFile !== undefined ? 'cssFile' : 'css']);
    const css = cssFile !== undefined ? readText(cssFile, path) : inline ?? null;
    for (const message of css === null ? [] : themeCssProblems(css)) problems.push({ path, message });
    state.theme = { css };
  }
  if (document.emailTemplates) {
    state.emailTemplates = {};
    for (const [name, entry] of Object.entries(document.emailTemplates)) {
      const parts: DesiredEmailTemplate = { text: null, html: null };
      for (const part of ['text', 'html'] as const) {
        const source = entry[part];
        if (source === undefined) continue;
        const path = formatConfigPath(['emailTemplates', name, part]);
        const text = typeof source === 'string' ? source : readText(source.file, path);
        if (text === null) continue;
        parts[part] = text;
        // Each part alone over the built-in others, so a problem is named by the part that has it.
        const problem = storedTemplateProblem(name as MailTemplate, part === 'text' ? { text, html: null } : { text: null, html: text });
        if (problem) problems.push({ path, message: `does not render: ${problem}` });
      }
      state.emailTemplates[name] = parts;
    }
  }
  return state;
}
