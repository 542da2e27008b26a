import { checkReferences } from './check-references.js';
import { ConfigFileError } from './config-file-error.js';
import type { DeclarativeServices } from './declarative-services.js';
import { SECTIONS, type DesiredState } from './desired-state.js';
import type { PlanContext } from './keyed-section.js';
import type { PlannedStep } from './plan.js';
import { planBranding } from './sections/branding-sections.js';
import { planAttributes } from './sections/attributes-section.js';
import { planClients } from './sections/clients-section.js';
import { planGroups } from './sections/groups-section.js';
import { planProviders } from './sections/providers-section.js';
import { planRoleMapping } from './sections/role-mapping-section.js';
import { planRoles } from './sections/roles-section.js';
import { planSettings } from './sections/settings-sections.js';
import { planUsers } from './sections/users-section.js';

/**
 * Compares what the file declares with Latchkey's state and returns the steps, in the order they run: adds and
 * changes section by section (a section may refer to the ones before it: groups to roles, rules to groups),
 * then removals in the reverse order (a group goes before the role it used). Throws a ConfigFileError with
 * every reference or conflict problem, before anything is written.
 */
export async function planConfig(services: DeclarativeServices, desired: DesiredState, options: { prune: boolean; file: string }): Promise<PlannedStep[]> {
  const ctx: PlanContext = { services, prune: options.prune, problems: await checkReferences(services, desired, options.prune) };
  const steps: PlannedStep[] = [...await planSettings(ctx, desired), ...await planBranding(ctx, desired)];
  if (desired.attributes) steps.push(...await planAttributes(ctx, desired.attributes));
  if (desired.roles) steps.push(...await planRoles(ctx, desired.roles));
  if (desired.roleMapping) steps.push(await planRoleMapping(ctx, desired.roleMapping));
  if (desired.groups) steps.push(...await planGroups(ctx, desired.groups));
  if (desired.providers) steps.push(...await planProviders(ctx, desired.providers));
  if (desired.clients) steps.push(...await planClients(ctx, desired.clients));
  if (desired.users) steps.push(...await planUsers(ctx, desired.users));
  if (ctx.problems.length > 0) throw new ConfigFileError(options.file, ctx.problems);
  const order = (step: PlannedStep) => SECTIONS.indexOf(step.section);
  const writes = steps.filter((step) => step.action !== 'remove').sort((a, b) => order(a) - order(b));
  const removals = steps.filter((step) => step.action === 'remove').sort((a, b) => order(b) - order(a));
  return [...writes, ...removals];
}
