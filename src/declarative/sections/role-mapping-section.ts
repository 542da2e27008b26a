import type { RoleMappingDocument } from '../config-document.schema.js';
import { changedFields } from '../changed-fields.js';
import type { DeclarativeServices } from '../declarative-services.js';
import { planSingleton, type PlanContext } from '../keyed-section.js';
import type { PlannedStep } from '../plan.js';

async function currentMapping(services: DeclarativeServices): Promise<RoleMappingDocument> {
  const settings = await services.roles.poolSettings();
  return {
    rules: settings.rules.map((rule) => ({ claim: rule.claim, match: rule.match_type, value: rule.value, role: rule.role_name })),
    defaultRole: settings.default_role,
    ambiguousRoleResolution: settings.ambiguous_role_resolution,
  };
}

/** The role mapping: replaced whole, in one step, as the admin API's PUT does (a token never meets half of it). */
export async function planRoleMapping(ctx: PlanContext, wanted: RoleMappingDocument): Promise<PlannedStep> {
  const current = await currentMapping(ctx.services);
  return planSingleton('roleMapping', changedFields(wanted, current, ['rules', 'defaultRole', 'ambiguousRoleResolution']), async () => {
    await ctx.services.roles.replaceMapping({ rules: wanted.rules, defaultRole: wanted.defaultRole, ambiguousRoleResolution: wanted.ambiguousRoleResolution });
  });
}

export const exportRoleMapping = currentMapping;
