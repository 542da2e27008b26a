import type { Context } from 'koa';
import type { WithInput } from '../../http/validate.js';
import type { Services } from '../../services.js';
import type { WithMember } from './console-member.js';
import { consoleTime } from './console-presenters.js';
import type { ConsoleView } from './console-view.js';
import type { GroupCreateForm } from './console.schema.js';
import { formProblems, type FormProblems } from './form-problems.js';

/** The groups page: every group with its precedence, role and member count, and the form that creates one. */
export function createGroupPages(deps: { services: Pick<Services, 'groups' | 'roles'>; view: ConsoleView }) {
  const { services, view } = deps;

  async function render(ctx: Context & WithMember, problems?: FormProblems, values: Partial<GroupCreateForm> = {}): Promise<void> {
    const [groups, roles] = await Promise.all([services.groups.list(), services.roles.listRoles()]);
    view.render(ctx, 'groups.njk', {
      title: 'Groups',
      section: '/admin/groups',
      groups: groups.map((group) => ({ name: group.name, description: group.description, precedence: group.precedence, role: group.role_name ?? '', members: group.members, created: consoleTime(group.created_at) })),
      roles: roles.map((role) => role.name),
      values: { name: values.name ?? '', description: values.description ?? '', precedence: values.precedence ?? '', role: values.role ?? '' },
      error: problems?.error,
      fieldErrors: problems?.fieldErrors ?? {},
    }, problems?.status ?? 200);
  }

  return {
    /** GET /admin/groups */
    list: (ctx: Context & WithMember) => render(ctx),

    /** POST /admin/groups: the directory checks the name, precedence and role, and records `group.created`. */
    create: async (ctx: Context & WithMember & WithInput<GroupCreateForm>): Promise<void> => {
      const { name, description, precedence, role } = ctx.input;
      try {
        await services.groups.create({ name, description, ...(precedence ? { precedence: Number(precedence) } : {}), role: role ?? null });
      } catch (error) {
        const problems = formProblems(error);
        if (!problems) throw error;
        return render(ctx, problems, ctx.input);
      }
      ctx.status = 303;
      ctx.redirect('/admin/groups?notice=group_created');
    },
  };
}
