import type { Context } from 'koa';
import { ConflictError, NotFoundError } from '../../errors/app-error.js';
import type { WithInput } from '../../http/validate.js';
import type { RoleService } from '../../identity-pool/role-service.js';
import type { WithMember } from './console-member.js';
import { consoleTime } from './console-presenters.js';
import type { ConsoleView } from './console-view.js';
import type { RoleCreateForm, RoleForm, RoleParams } from './console.schema.js';
import { formProblems, type FormProblems } from './form-problems.js';

/**
 * The identity pool's roles and rules: the roles with their policies, the pool's rules in order, creating a
 * role, and deleting one that nothing uses (the service refuses while groups, rules or the default role name
 * it, and the confirmation page says which). Rules are changed with the CLI.
 */
export function createRolePages(deps: { roles: RoleService; view: ConsoleView }) {
  const { roles, view } = deps;

  async function requireRole(name: string) {
    const role = (await roles.listRoles()).find((candidate) => candidate.name === name);
    if (!role) throw new NotFoundError('There is no such role. It may have been deleted.');
    return role;
  }

  async function renderList(ctx: Context & WithMember, problems?: FormProblems, values: Partial<RoleCreateForm> = {}): Promise<void> {
    const [list, pool] = await Promise.all([roles.listRoles(), roles.poolSettings()]);
    view.render(ctx, 'roles.njk', {
      title: 'Roles and rules',
      section: '/admin/roles',
      roles: list.map((role) => ({ name: role.name, description: role.description, maxDuration: role.max_duration_seconds })),
      defaultRole: pool.default_role ?? '',
      ambiguous: pool.ambiguous_role_resolution,
      rules: pool.rules.map((rule) => ({ position: rule.position, claim: rule.claim, match: rule.match_type, value: rule.value, role: rule.role_name })),
      values: { name: values.name ?? '', description: values.description ?? '', policy: values.policy ?? '', max_duration: values.max_duration ?? '' },
      error: problems?.error,
      fieldErrors: problems?.fieldErrors ?? {},
    }, problems?.status ?? 200);
  }

  async function renderConfirm(ctx: Context & WithMember, name: string, error?: string, status = 200): Promise<void> {
    view.render(ctx, 'confirm.njk', {
      title: `Delete role ${name}`,
      section: '/admin/roles',
      breadcrumb: { href: `/admin/roles/${name}`, label: name },
      error,
      confirm: {
        question: `Delete the role ${name}?`,
        consequences: ['Storage credentials already issued under it keep working until they expire.', 'This cannot be undone.'],
        action: `/admin/roles/${name}/delete`,
        button: 'Delete role',
        cancel: `/admin/roles/${name}`,
      },
    }, status);
  }

  return {
    list: (ctx: Context & WithMember) => renderList(ctx),

    /** GET /admin/roles/:name */
    show: async (ctx: Context & WithMember & WithInput<RoleParams>): Promise<void> => {
      const role = await requireRole(ctx.input.name);
      view.render(ctx, 'role.njk', {
        title: `Role ${role.name}`,
        section: '/admin/roles',
        breadcrumb: { href: '/admin/roles', label: 'Roles and rules' },
        role: { name: role.name, rows: [['Name', role.name], ['Description', role.description], ['Longest session', `${role.max_duration_seconds} seconds`], ['Created', consoleTime(role.created_at)]], policy: JSON.stringify(role.policy, null, 2) },
      });
    },

    /** POST /admin/roles: the service checks the name and the policy document. */
    create: async (ctx: Context & WithMember & WithInput<RoleCreateForm>): Promise<void> => {
      const { name, description, policy, max_duration: maxDuration } = ctx.input;
      try {
        await roles.createRole({ name, policy, description, ...(maxDuration ? { maxDurationSeconds: Number(maxDuration) } : {}) });
      } catch (error) {
        const problems = formProblems(error);
        if (!problems) throw error;
        return renderList(ctx, problems, ctx.input);
      }
      ctx.status = 303;
      ctx.redirect('/admin/roles?notice=role_created');
    },

    /** GET /admin/roles/:name/delete */
    confirmDelete: async (ctx: Context & WithMember & WithInput<RoleParams>): Promise<void> => {
      await requireRole(ctx.input.name);
      await renderConfirm(ctx, ctx.input.name);
    },

    /** POST /admin/roles/:name/delete: never forced from the console; a role in use stays, and the page says where. */
    delete: async (ctx: Context & WithMember & WithInput<RoleForm>): Promise<void> => {
      await requireRole(ctx.input.name);
      try {
        await roles.deleteRole(ctx.input.name);
      } catch (error) {
        if (error instanceof ConflictError) return renderConfirm(ctx, ctx.input.name, error.message, 409);
        throw error;
      }
      ctx.status = 303;
      ctx.redirect('/admin/roles?notice=role_deleted');
    },
  };
}
