import type { RoleMappingDocument } from '../config-document.schema.js';
import { changedFields } from '../changed-fields.js';
import type { DeclarativeServices } from '../declarative-services.js';
import { planSingleton, type PlanContext } from '../keyed-section.js';
import type { PlannedStep } from '../plan.js';

async function currentMapping(services: DeclarativeServices): Promise<RoleMappingDocument> {
  // One after the other: while a file is applied, the services share one transaction's connection.
  const settings = await services.roles.poolSettings();
  const guestRole = await services.roles.guestRole();
  return {
    rules: settings.rules.map((rule) => ({ claim: rule.claim, match: rule.match_type, value: rule.value, role: rule.role_name })),
    defaultRole: settings.default_role,
    ambiguousRoleResolution: settings.ambiguous_role_resolution,
    guestRole,
  };
}

const MAPPING_FIELDS = ['rules', 'defaultRole', 'ambiguousRoleResolution'] as const;

/**
 * The role mapping: replaced whole, in one step, as the admin API's PUT does (a token never meets half of it).
 * The guest role is set beside it, only when it differs: it concerns guests, whom no rule maps.
 */
export async function planRoleMapping(ctx: PlanContext, wanted: RoleMappingDocument): Promise<PlannedStep> {
  const current = await currentMapping(ctx.services);
  const mappingChanges = changedFields(wanted, current, [...MAPPING_FIELDS]);
  const guestRoleChanged = wanted.guestRole !== current.guestRole;
  return planSingleton('roleMapping', changedFields(wanted, current, [...MAPPING_FIELDS, 'guestRole']), async () => {
    if (mappingChanges.length) await ctx.services.roles.replaceMapping({ rules: wanted.rules, defaultRole: wanted.defaultRole, ambiguousRoleResolution: wanted.ambiguousRoleResolution });
    if (guestRoleChanged) await ctx.services.roles.setGuestRole(wanted.guestRole);
  });
}

export const exportRoleMapping = currentMapping;
