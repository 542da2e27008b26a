import type { Services } from '../../../services.js';
import { NotFoundError } from '../../../errors/app-error.js';
import { adminRoute, type AdminRoute } from '../admin-route.js';
import { adminMemberListSchema, adminParams, grantAdminBody, grantedAdminSchema } from './admins.schema.js';

type Deps = Pick<Services, 'admins'>;

/**
 * The admin group: the users who may use the admin API and console with their own sign-in. Kept apart from
 * the pool's groups, so an app's own `admin` group never grants control of Latchkey.
 */
export function adminMemberRoutes(s: Deps): AdminRoute[] {
  return [
    adminRoute({
      method: 'get', path: '/admins', operationId: 'listAdmins', tag: 'admins', access: 'read', summary: 'The members of the admin group, with their access',
      status: 200, response: adminMemberListSchema,
      async handle() {
        const members = await s.admins.list();
        return { admins: members.map((m) => ({ user_id: m.user_id, username: m.username, email: m.email, access: m.access, granted_at: m.granted_at.toISOString() })) };
      },
    }),
    adminRoute({
      method: 'put', path: '/admins/:user', operationId: 'grantAdmin', tag: 'admins', access: 'write', summary: 'Grant a user admin or read-only access (or change it); effective at their next request',
      params: adminParams, body: grantAdminBody, status: 200, response: grantedAdminSchema, errors: [404],
      async handle({ params, body }) {
        const granted = await s.admins.grant(params.user, body.access);
        return { user_id: granted.userId, access: granted.access, changed: granted.changed };
      },
    }),
    adminRoute({
      method: 'delete', path: '/admins/:user', operationId: 'revokeAdmin', tag: 'admins', access: 'write', summary: 'Take a user out of the admin group: their tokens stop working here at once',
      params: adminParams, status: 204, response: null, errors: [404],
      async handle({ params }) {
        const { revoked } = await s.admins.revoke(params.user);
        if (!revoked) throw new NotFoundError(`"${params.user}" is not in the admin group`);
      },
    }),
  ];
}
