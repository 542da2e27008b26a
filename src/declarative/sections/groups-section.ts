import type { GroupDocument } from '../config-document.schema.js';
import { changedFields } from '../changed-fields.js';
import type { DeclarativeServices } from '../declarative-services.js';
import { pick, planKeyedSection, type PlanContext } from '../keyed-section.js';
import type { PlannedStep } from '../plan.js';

async function currentGroups(services: DeclarativeServices): Promise<Map<string, GroupDocument>> {
  return new Map((await services.groups.list()).map((group) => [group.name, { description: group.description, precedence: group.precedence, role: group.role_name }]));
}

/** Groups, through the group service. Pruning deletes a group with its memberships and provider group rules (as `group delete`). */
export async function planGroups(ctx: PlanContext, desired: Readonly<Record<string, GroupDocument>>): Promise<PlannedStep[]> {
  const { groups } = ctx.services;
  return planKeyedSection({
    section: 'groups', desired, current: await currentGroups(ctx.services), prune: ctx.prune,
    changes: (_name, wanted, current) => changedFields(wanted, current, ['description', 'precedence', 'role']),
    async add(name, group) {
      await groups.create({ name, description: group.description, precedence: group.precedence, role: group.role });
    },
    async change(name, group, _current, fields) {
      await groups.update(name, pick(group, fields));
    },
    async remove(name) {
      await groups.delete(name);
    },
  });
}

export async function exportGroups(services: DeclarativeServices): Promise<Record<string, GroupDocument>> {
  return Object.fromEntries(await currentGroups(services));
}
