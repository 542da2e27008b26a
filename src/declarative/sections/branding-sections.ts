import type { StoredMailTemplate } from '../../mail/templates.js';
import type { MailTemplate } from '../../mail/mailer.js';
import type { EmailTemplateDocument } from '../config-document.schema.js';
import { changedFields } from '../changed-fields.js';
import type { DeclarativeServices } from '../declarative-services.js';
import type { DesiredEmailTemplate, DesiredState } from '../desired-state.js';
import { planKeyedSection, planSingleton, type PlanContext } from '../keyed-section.js';
import type { PlannedStep } from '../plan.js';

/**
 * The hosted pages' theme (one stylesheet, or none) and the mail templates (by name), stored through the
 * branding service, which checks them again and audits each change. Pruning removes stored templates the
 * file does not name, so the file-based ones apply again; the theme is never pruned (`theme: {}` clears it).
 */
export async function planBranding(ctx: PlanContext, desired: DesiredState): Promise<PlannedStep[]> {
  const { branding } = ctx.services;
  const steps: PlannedStep[] = [];
  const stored = await branding.stored();
  if (desired.theme) {
    const wanted = desired.theme;
    steps.push(planSingleton('theme', changedFields(wanted, { css: stored.themeCss }, ['css']), () => branding.setTheme(wanted.css)));
  }
  if (desired.emailTemplates) {
    const current = new Map<string, StoredMailTemplate>(Object.entries(stored.mailTemplates));
    steps.push(...await planKeyedSection<DesiredEmailTemplate, StoredMailTemplate>({
      section: 'emailTemplates', desired: desired.emailTemplates, current, prune: ctx.prune,
      changes: (_name, wanted, had) => changedFields(wanted, had, ['text', 'html']),
      add: (name, parts) => branding.setMailTemplate(name as MailTemplate, parts),
      change: (name, parts) => branding.setMailTemplate(name as MailTemplate, parts),
      remove: (name) => branding.removeMailTemplate(name as MailTemplate),
    }));
  }
  return steps;
}

/** The theme and the stored templates as a file declares them, inline (a part not stored is left out). */
export async function exportBranding(services: DeclarativeServices): Promise<{ theme: { css?: string }; emailTemplates: Record<string, EmailTemplateDocument> }> {
  const stored = await services.branding.stored();
  const emailTemplates = Object.fromEntries(Object.entries(stored.mailTemplates).map(([name, parts]) => [name, {
    ...(parts.text !== null ? { text: parts.text } : {}), ...(parts.html !== null ? { html: parts.html } : {}),
  }]));
  return { theme: stored.themeCss !== null ? { css: stored.themeCss } : {}, emailTemplates };
}
