import type { Context } from 'koa';
import { NotFoundError } from '../../errors/app-error.js';
import type { WithInput } from '../../http/validate.js';
import type { Services } from '../../services.js';
import { refuseOwnAccount, type WithMember } from './console-member.js';
import { presentUserDetail, presentUserSummary, consoleTime } from './console-presenters.js';
import type { ConsoleView } from './console-view.js';
import type { UserParams, UserSearchInput } from './console.schema.js';

const PAGE_SIZE = 25;

/** The keyset position of a result page as one opaque URL value: `<created_at ms>.<id>`. */
function encodeCursor(user: { created_at: Date; id: string }): string {
  return `${user.created_at.getTime()}.${user.id}`;
}

function decodeCursor(value: string | undefined): { createdAt: Date; id: string } | undefined {
  const match = value ? /^(\d{1,15})\.([0-9a-f-]{36})$/.exec(value) : null;
  return match ? { createdAt: new Date(Number(match[1])), id: match[2]! } : undefined;
}

export type UserPagesDeps = { services: Pick<Services, 'users' | 'userSearch' | 'groups' | 'identities' | 'sessions' | 'clients' | 'mfa' | 'providers'>; view: ConsoleView };

/** The users section's pages: search with keyset pages, and one user's detail. */
export function createUserPages(deps: UserPagesDeps) {
  const { services, view } = deps;

  /** Loads the user of a `/admin/users/:id` page, or a 404 page. */
  async function requireUser(id: string) {
    const user = await services.users.findById(id);
    if (!user) throw new NotFoundError('There is no such user. They may have been deleted.');
    return user;
  }

  return {
    requireUser,

    /** GET /admin/users?q=&state=&after= */
    search: async (ctx: Context & WithMember & WithInput<UserSearchInput>): Promise<void> => {
      const { q, state, after } = ctx.input;
      const rows = await services.userSearch.search({
        q,
        ...(state === 'disabled' ? { enabled: false } : state ? { status: state, enabled: true } : {}),
        after: decodeCursor(after),
        limit: PAGE_SIZE + 1,
      });
      const page = rows.slice(0, PAGE_SIZE);
      const next = rows.length > PAGE_SIZE ? new URLSearchParams({ ...(q ? { q } : {}), ...(state ? { state } : {}), after: encodeCursor(page[page.length - 1]!) }) : null;
      view.render(ctx, 'users.njk', {
        title: 'Users',
        section: '/admin/users',
        q: q ?? '',
        state: state ?? '',
        continued: after !== undefined,
        users: page.map(presentUserSummary),
        next: next ? `/admin/users?${next.toString()}` : null,
      });
    },

    /** GET /admin/users/:id */
    show: async (ctx: Context & WithMember & WithInput<UserParams>): Promise<void> => {
      const user = await requireUser(ctx.input.id);
      const [groups, allGroups, identities, apps, clients, mfa, providers] = await Promise.all([
        services.groups.namesOf(user.id), services.groups.list(), services.identities.listForUser(user.id),
        services.sessions.listApps(user.id), services.clients.list(), services.mfa.status(user.id), services.providers.list(),
      ]);
      const clientNames = new Map(clients.map((client) => [client.client_id, client.name]));
      const providerNames = new Map(providers.map((provider) => [provider.name, provider.display_name]));
      const detail = presentUserDetail(user);
      view.render(ctx, 'user.njk', {
        title: detail.label,
        section: '/admin/users',
        breadcrumb: { href: '/admin/users', label: 'Users' },
        user: detail,
        // Their own account: no disable or delete button (refused anyway), a word on where to do it.
        own: user.id === ctx.member.userId,
        groups,
        addableGroups: allGroups.map((group) => group.name).filter((name) => !groups.includes(name)),
        identities: identities.map((identity) => ({ provider: identity.provider, displayName: providerNames.get(identity.provider) ?? identity.provider, email: identity.email ?? '', since: consoleTime(identity.created_at), lastSignIn: consoleTime(identity.last_sign_in_at) })),
        apps: apps.map((app) => ({ grantId: app.grantId, name: clientNames.get(app.clientId) ?? app.clientId, since: consoleTime(app.grantedAt), lastUsed: consoleTime(app.lastUsedAt) })),
        mfa: { enrolled: mfa.enrolled, required: mfa.required, recoveryCodesLeft: mfa.recoveryCodesLeft },
      });
    },

    /** GET /admin/users/:id/delete: the confirmation step. */
    confirmDelete: async (ctx: Context & WithMember & WithInput<UserParams>): Promise<void> => {
      refuseOwnAccount(ctx.member, ctx.input.id, 'delete');
      const user = presentUserDetail(await requireUser(ctx.input.id));
      view.render(ctx, 'confirm.njk', {
        title: `Delete ${user.label}`,
        section: '/admin/users',
        breadcrumb: { href: `/admin/users/${user.id}`, label: user.label },
        confirm: {
          question: `Delete the user ${user.label}?`,
          consequences: ['Their sessions, tokens and storage credentials end now, and their account, group memberships and linked identities are removed.', 'This cannot be undone.'],
          action: `/admin/users/${user.id}/delete`,
          button: 'Delete user',
          cancel: `/admin/users/${user.id}`,
        },
      });
    },
  };
}
