import type { Context } from 'koa';
import { MATCH_TYPES, type RoleService } from '../../identity-pool/role-service.js';
import type { WithMember } from './console-member.js';
import type { ConsoleView } from './console-view.js';
import type { FormProblems } from './form-problems.js';

/** The page's forms, each with its own field names, so one set of field problems serves them all. */
export interface RolesPageState {
  problems?: FormProblems | undefined;
  /** What was typed in the refused form (the others show the stored state). */
  values?: Record<string, string> | undefined;
}

/**
 * GET /admin/roles and every refused form on it: the roles, the pool's rules in order with their forms (add,
 * remove), the default role and the ambiguity choice. A refused form comes back with what was typed.
 */
export async function renderRolesPage(ctx: Context & WithMember, roles: RoleService, view: ConsoleView, state: RolesPageState = {}): Promise<void> {
  const [list, pool] = await Promise.all([roles.listRoles(), roles.poolSettings()]);
  const { problems } = state;
  view.render(ctx, 'roles.njk', {
    title: 'Roles and rules',
    section: '/admin/roles',
    roles: list.map((role) => ({ name: role.name, description: role.description, maxDuration: role.max_duration_seconds })),
    roleNames: list.map((role) => role.name),
    matchTypes: MATCH_TYPES,
    defaultRole: pool.default_role ?? '',
    ambiguous: pool.ambiguous_role_resolution,
    rules: pool.rules.map((rule) => ({ position: rule.position, claim: rule.claim, match: rule.match_type, value: rule.value, role: rule.role_name })),
    values: {
      name: '', description: '', policy: '', max_duration: '', claim: '', match: 'equals', value: '', role: list[0]?.name ?? '',
      default_role: pool.default_role ?? '', mode: pool.ambiguous_role_resolution, ...state.values,
    },
    error: problems?.error,
    fieldErrors: problems?.fieldErrors ?? {},
  }, problems?.status ?? 200);
}
