import type { Context } from 'koa';
import { ConflictError, NotFoundError } from '../../errors/app-error.js';
import type { WithInput } from '../../http/validate.js';
import type { RoleService } from '../../identity-pool/role-service.js';
import type { WithMember } from './console-member.js';
import { consoleTime } from './console-presenters.js';
import type { ConsoleView } from './console-view.js';
import type { RoleCreateForm, RoleEditForm, RoleForm, RoleParams } from './console.schema.js';
import { formProblems, type FormProblems } from './form-problems.js';
import { renderRolesPage } from './roles-page.js';

/**
 * The policy checker names problems inside the document (`Version`, `Statement[0].Effect`): on the form they
 * all belong to the policy field, each with its place.
 */
function onPolicyField(problems: FormProblems): FormProblems {
  const own = new Set(['name', 'description', 'max_duration_seconds', 'policy']);
  const inside = Object.entries(problems.fieldErrors).filter(([path]) => !own.has(path));
  if (!inside.length) return problems;
  const fieldErrors = Object.fromEntries(Object.entries(problems.fieldErrors).filter(([path]) => own.has(path)));
  fieldErrors.policy = [fieldErrors.policy, ...inside.map(([path, message]) => `${path} ${message}`)].filter(Boolean).join('; ');
  return { ...problems, fieldErrors };
}

/**
 * The identity pool's roles: the list with the pool's rules (their forms are in `rule-pages.ts`), creating a
 * role, a role's page with its settings form, and deleting one that nothing uses (the service refuses while
 * groups, rules or the default role name it, and the confirmation page says which).
 */
export function createRolePages(deps: { roles: RoleService; view: ConsoleView }) {
  const { roles, view } = deps;

  async function requireRole(name: string) {
    const role = (await roles.listRoles()).find((candidate) => candidate.name === name);
    if (!role) throw new NotFoundError('There is no such role. It may have been deleted.');
    return role;
  }

  async function renderList(ctx: Context & WithMember, problems?: FormProblems, values: Partial<RoleCreateForm> = {}): Promise<void> {
    await renderRolesPage(ctx, roles, view, { problems, values: { name: values.name ?? '', description: values.description ?? '', policy: values.policy ?? '', max_duration: values.max_duration ?? '' } });
  }

  async function renderRole(ctx: Context & WithMember, name: string, problems?: FormProblems, values?: RoleEditForm): Promise<void> {
    const role = await requireRole(name);
    view.render(ctx, 'role.njk', {
      title: `Role ${role.name}`,
      section: '/admin/roles',
      breadcrumb: { href: '/admin/roles', label: 'Roles and rules' },
      role: { name: role.name, rows: [['Name', role.name], ['Description', role.description], ['Longest session', `${role.max_duration_seconds} seconds`], ['Created', consoleTime(role.created_at)]], policy: JSON.stringify(role.policy, null, 2) },
      values: values ?? { description: role.description, policy: JSON.stringify(role.policy, null, 2), max_duration: String(role.max_duration_seconds) },
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
    show: (ctx: Context & WithMember & WithInput<RoleParams>) => renderRole(ctx, ctx.input.name),

    /**
     * POST /admin/roles/:name/edit: description, policy and longest session in one `updateRole` (records
     * `role.updated`); a policy or duration the service refuses comes back on the form, the role unchanged.
     */
    edit: async (ctx: Context & WithMember & WithInput<RoleEditForm>): Promise<void> => {
      const { name, description, policy, max_duration: maxDuration } = ctx.input;
      await requireRole(name);
      try {
        await roles.updateRole(name, { description, policy, maxDurationSeconds: Number(maxDuration) });
      } catch (error) {
        const problems = formProblems(error);
        if (!problems || error instanceof NotFoundError) throw error;
        return renderRole(ctx, name, onPolicyField(problems), ctx.input);
      }
      ctx.status = 303;
      ctx.redirect(`/admin/roles/${name}?notice=role_updated`);
    },

    /** POST /admin/roles: the service checks the name and the policy document. */
    create: async (ctx: Context & WithMember & WithInput<RoleCreateForm>): Promise<void> => {
      const { name, description, policy, max_duration: maxDuration } = ctx.input;
      try {
        await roles.createRole({ name, policy, description, ...(maxDuration ? { maxDurationSeconds: Number(maxDuration) } : {}) });
      } catch (error) {
        const problems = formProblems(error);
        if (!problems) throw error;
        return renderList(ctx, onPolicyField(problems), ctx.input);
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
