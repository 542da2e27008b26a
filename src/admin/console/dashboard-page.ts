import type { Context } from 'koa';
import type { Services } from '../../services.js';
import type { Clock } from '../../lib/clock.js';
import type { WithMember } from './console-member.js';
import type { ConsoleView } from './console-view.js';
import { buildSignInChart } from './sign-in-chart.js';

/** GET /admin: users by state, how many groups and clients, and the last day's sign-ins by hour. */
export function dashboardPage(deps: { services: Pick<Services, 'userSearch' | 'groups' | 'clients' | 'audit'>; view: ConsoleView; clock: Clock }) {
  const { services, view, clock } = deps;
  return async function showDashboard(ctx: Context & WithMember): Promise<void> {
    const now = clock.now();
    const [counts, groups, clients, signIns] = await Promise.all([
      services.userSearch.counts(), services.groups.list(), services.clients.list(),
      services.audit.signInsByHour(new Date(now.getTime() - 24 * 3_600_000)),
    ]);
    view.render(ctx, 'dashboard.njk', {
      title: 'Dashboard',
      section: '/admin',
      users: [
        { label: 'All users', value: counts.total, href: '/admin/users' },
        { label: 'Active', value: counts.confirmed, href: '/admin/users?state=confirmed' },
        { label: 'Unconfirmed', value: counts.unconfirmed, href: '/admin/users?state=unconfirmed' },
        { label: 'Password reset required', value: counts.reset_required, href: '/admin/users?state=reset_required' },
        { label: 'Disabled', value: counts.disabled, href: '/admin/users?state=disabled' },
      ],
      groups: groups.length,
      clients: clients.length,
      chart: buildSignInChart(signIns, now),
    });
  };
}
