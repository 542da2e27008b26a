import type { Context } from 'koa';
import type { WithInput } from '../../http/validate.js';
import type { Services } from '../../services.js';
import type { WithMember } from './console-member.js';
import { consoleTime } from './console-presenters.js';
import type { ConsoleView } from './console-view.js';
import type { GroupEditForm, GroupForm, GroupParams } from './console.schema.js';
import { formProblems, type FormProblems } from './form-problems.js';

const PAGE_SIZE = 50;

/** One group: its settings (edit), its members a page at a time, and its deletion with a confirmation. */
export function createGroupDetailPages(deps: { services: Pick<Services, 'groups' | 'roles'>; view: ConsoleView }) {
  const { services, view } = deps;

  async function render(ctx: Context & WithMember, name: string, after: string | undefined, problems?: FormProblems, values?: GroupEditForm): Promise<void> {
    const [group, roles, rows] = await Promise.all([
      services.groups.get(name), services.roles.listRoles(), services.groups.members(name, { after: after ?? null, limit: PAGE_SIZE + 1 }),
    ]);
    const members = rows.slice(0, PAGE_SIZE);
    view.render(ctx, 'group.njk', {
      title: `Group ${group.name}`,
      section: '/admin/groups',
      breadcrumb: { href: '/admin/groups', label: 'Groups' },
      group: { name: group.name, members: group.members, rows: [['Name', group.name], ['Description', group.description], ['Precedence', String(group.precedence)], ['Role', group.role_name ?? 'none'], ['Members', String(group.members)], ['Created', consoleTime(group.created_at)]] },
      values: values ?? { description: group.description, precedence: String(group.precedence), role: group.role_name ?? '' },
      roles: roles.map((role) => role.name),
      continued: after !== undefined,
      members: members.map((m) => ({ id: m.user_id, label: m.username ?? m.email ?? m.user_id, email: m.email ?? '', grantedBy: m.granted_by_provider ?? '', since: consoleTime(m.created_at) })),
      next: rows.length > PAGE_SIZE ? `/admin/groups/${encodeURIComponent(group.name)}?after=${members[members.length - 1]!.user_id}` : null,
      error: problems?.error,
      fieldErrors: problems?.fieldErrors ?? {},
    }, problems?.status ?? 200);
  }

  return {
    /** GET /admin/groups/:name?after= */
    show: (ctx: Context & WithMember & WithInput<GroupParams>) => render(ctx, ctx.input.name, ctx.input.after),

    /** POST /admin/groups/:name/edit: description, precedence and role (records `group.updated`). */
    edit: async (ctx: Context & WithMember & WithInput<GroupEditForm>): Promise<void> => {
      const { name, description, precedence, role } = ctx.input;
      try {
        await services.groups.update(name, { description, precedence: Number(precedence), role: role ?? null });
      } catch (error) {
        const problems = formProblems(error);
        if (!problems) throw error;
        // A role that does not exist comes back on the form; a group that does not exist is the page's 404.
        return render(ctx, name, undefined, problems, ctx.input);
      }
      ctx.status = 303;
      ctx.redirect(`/admin/groups/${encodeURIComponent(name)}?notice=group_updated`);
    },

    /** GET /admin/groups/:name/delete */
    confirmDelete: async (ctx: Context & WithMember & WithInput<GroupParams>): Promise<void> => {
      const group = await services.groups.get(ctx.input.name);
      view.render(ctx, 'confirm.njk', {
        title: `Delete group ${group.name}`,
        section: '/admin/groups',
        breadcrumb: { href: `/admin/groups/${encodeURIComponent(group.name)}`, label: group.name },
        confirm: {
          question: `Delete the group ${group.name}?`,
          consequences: [`Its ${group.members} member(s) lose it, with the role it gives, from their next token on; provider rules that grant it are removed.`, 'This cannot be undone.'],
          action: `/admin/groups/${encodeURIComponent(group.name)}/delete`,
          button: 'Delete group',
          cancel: `/admin/groups/${encodeURIComponent(group.name)}`,
        },
      });
    },

    /** POST /admin/groups/:name/delete (records `group.deleted`). */
    delete: async (ctx: Context & WithMember & WithInput<GroupForm>): Promise<void> => {
      await services.groups.delete(ctx.input.name);
      ctx.status = 303;
      ctx.redirect('/admin/groups?notice=group_deleted');
    },
  };
}
