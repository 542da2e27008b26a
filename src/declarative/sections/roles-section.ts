import { canonicalJson, changedFields } from '../changed-fields.js';
import type { DeclarativeServices } from '../declarative-services.js';
import type { DesiredRole } from '../desired-state.js';
import { planKeyedSection, type PlanContext } from '../keyed-section.js';
import type { PlannedStep } from '../plan.js';

async function currentRoles(services: DeclarativeServices): Promise<Map<string, DesiredRole>> {
  return new Map((await services.roles.listRoles()).map((role) => [role.name, {
    description: role.description, maxDurationSeconds: role.max_duration_seconds, policy: role.policy as Record<string, unknown>,
  }]));
}

/**
 * Identity-pool roles, through the role service (its policy checks and duration ceiling). Pruning deletes a
 * role only when nothing else uses it (the service refuses otherwise and the apply changes nothing): groups and
 * rules the file drops or changes are applied first, so a file that stops using a role can also remove it.
 */
export async function planRoles(ctx: PlanContext, desired: Readonly<Record<string, DesiredRole>>): Promise<PlannedStep[]> {
  const { roles } = ctx.services;
  return planKeyedSection({
    section: 'roles', desired, current: await currentRoles(ctx.services), prune: ctx.prune,
    changes: (_name, wanted, current) => [
      ...changedFields(wanted, current, ['description', 'maxDurationSeconds']),
      ...(canonicalJson(wanted.policy) === canonicalJson(current.policy) ? [] : ['policy']),
    ],
    async add(name, role) {
      await roles.createRole({ name, policy: JSON.stringify(role.policy), maxDurationSeconds: role.maxDurationSeconds, description: role.description });
    },
    async change(name, role, _current, fields) {
      await roles.updateRole(name, {
        ...(fields.includes('policy') ? { policy: JSON.stringify(role.policy) } : {}),
        ...(fields.includes('maxDurationSeconds') ? { maxDurationSeconds: role.maxDurationSeconds } : {}),
        ...(fields.includes('description') ? { description: role.description } : {}),
      });
    },
    async remove(name) {
      await roles.deleteRole(name);
    },
  });
}

export async function exportRoles(services: DeclarativeServices): Promise<Record<string, DesiredRole>> {
  return Object.fromEntries(await currentRoles(services));
}
