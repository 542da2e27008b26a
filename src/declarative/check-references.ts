import type { FieldProblem } from '../errors/app-error.js';
import { formatConfigPath } from './config-path.js';
import type { DeclarativeServices } from './declarative-services.js';
import type { DesiredState } from './desired-state.js';

/** The names a section will hold after the apply: the file's, plus Latchkey's unless the section is pruned. */
function namesAfter(declared: Record<string, unknown> | undefined, held: readonly string[], prune: boolean): Set<string> {
  if (!declared) return new Set(held);
  return new Set([...Object.keys(declared), ...(prune ? [] : held)]);
}

/**
 * Every role and group the file refers to (a group's role, the role mapping, a provider's group rules, a seed
 * user's groups) must exist once the file is applied: declared in the file, or already in Latchkey and not
 * pruned. Reported by place, with the rest of the plan's problems, before anything is written.
 */
export async function checkReferences(services: DeclarativeServices, desired: DesiredState, prune: boolean): Promise<FieldProblem[]> {
  const problems: FieldProblem[] = [];
  const roles = namesAfter(desired.roles, (await services.roles.listRoles()).map((role) => role.name), prune);
  const groups = namesAfter(desired.groups, (await services.groups.list()).map((group) => group.name), prune);
  const role = (name: string | null, path: PropertyKey[]) => {
    if (name !== null && !roles.has(name)) problems.push({ path: formatConfigPath(path), message: `no role "${name}" in the file or in Latchkey` });
  };
  const group = (name: string, path: PropertyKey[]) => {
    if (!groups.has(name)) problems.push({ path: formatConfigPath(path), message: `no group "${name}" in the file or in Latchkey` });
  };
  for (const [name, g] of Object.entries(desired.groups ?? {})) role(g.role, ['groups', name, 'role']);
  desired.roleMapping?.rules.forEach((rule, i) => role(rule.role, ['roleMapping', 'rules', i, 'role']));
  if (desired.roleMapping) role(desired.roleMapping.defaultRole, ['roleMapping', 'defaultRole']);
  if (desired.roleMapping) role(desired.roleMapping.guestRole, ['roleMapping', 'guestRole']);
  for (const [name, provider] of Object.entries(desired.providers ?? {})) {
    provider.groupRules.forEach((rule, i) => group(rule.group, ['providers', name, 'groupRules', i, 'group']));
  }
  desired.users?.forEach((user, i) => user.groups?.forEach((name, j) => group(name, ['users', i, 'groups', j])));
  return problems;
}
