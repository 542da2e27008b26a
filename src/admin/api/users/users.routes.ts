import type { Services } from '../../../services.js';
import { presentUser } from '../../../directory/user.presenter.js';
import { decodeCursor, encodeCursor } from '../common.schema.js';
import { adminRoute, type AdminRoute } from '../admin-route.js';
import {
  createUserBody, identityListSchema, identityParams, identitySchema, mfaResetSchema, sessionListSchema, setPasswordBody, updateUserBody, userListQuery, userListSchema, userParams, userSchema,
} from './users.schema.js';

type Deps = Pick<Services, 'users' | 'groups' | 'userSearch' | 'sessions' | 'identities' | 'mfa'>;

/** Users: Cognito's Admin* user operations, and what Keycloak's and Logto's consoles do with a user. */
export function userRoutes(s: Deps): AdminRoute[] {
  const withGroups = async (user: Parameters<typeof presentUser>[0]) => presentUser(user, await s.groups.namesOf(user.id));
  return [
    adminRoute({
      method: 'get', path: '/users', operationId: 'listUsers', tag: 'users', access: 'read', summary: 'List and search users (keyset pages, oldest first)',
      query: userListQuery, status: 200, response: userListSchema,
      async handle({ query }) {
        const [createdAt, id] = query.cursor ? decodeCursor(query.cursor, ['time', 'uuid']) as [string, string] : [];
        const eq = query.attribute?.indexOf('=') ?? -1;
        const rows = await s.userSearch.search({
          q: query.q, email: query.email, username: query.username,
          attribute: query.attribute ? { name: query.attribute.slice(0, eq), value: query.attribute.slice(eq + 1) } : undefined,
          status: query.status, enabled: query.enabled === undefined ? undefined : query.enabled === 'true',
          after: createdAt && id ? { createdAt: new Date(createdAt), id } : undefined,
          limit: query.limit + 1,
        });
        const page = rows.slice(0, query.limit);
        const last = page[page.length - 1];
        return { users: page.map((u) => presentUser(u)), next_cursor: rows.length > query.limit && last ? encodeCursor([last.created_at.toISOString(), last.id]) : null };
      },
    }),
    adminRoute({
      method: 'post', path: '/users', operationId: 'createUser', tag: 'users', access: 'write', summary: 'Create a user (confirmed unless status says otherwise)',
      body: createUserBody, status: 201, response: userSchema, errors: [409],
      async handle({ body }) {
        const user = await s.users.create({
          email: body.email, username: body.username, password: body.password, emailVerified: body.email_verified ?? false,
          status: body.status ?? 'confirmed', phoneNumber: body.phone_number, profile: body.profile ?? {}, customAttributes: body.custom_attributes ?? {}, groups: body.groups ?? [],
        });
        return withGroups(user);
      },
    }),
    adminRoute({
      method: 'get', path: '/users/:user', operationId: 'getUser', tag: 'users', access: 'read', summary: 'Get a user by id, username or e-mail, with their groups',
      params: userParams, status: 200, response: userSchema, errors: [404],
      async handle({ params }) {
        return withGroups(await s.users.resolve(params.user));
      },
    }),
    adminRoute({
      method: 'patch', path: '/users/:user', operationId: 'updateUser', tag: 'users', access: 'write', summary: 'Change a user\'s identifiers, profile and attributes',
      params: userParams, body: updateUserBody, status: 200, response: userSchema, errors: [404, 409],
      async handle({ params, body }) {
        const user = await s.users.update(params.user, {
          email: body.email, username: body.username, emailVerified: body.email_verified, profile: body.profile, customAttributes: body.custom_attributes,
        }, { actor: 'admin' });
        return withGroups(user);
      },
    }),
    adminRoute({
      method: 'delete', path: '/users/:user', operationId: 'deleteUser', tag: 'users', access: 'write', summary: 'Delete a user (sessions, tokens and storage credentials end with them)',
      params: userParams, status: 204, response: null, errors: [404],
      async handle({ params }) {
        await s.users.delete(params.user);
      },
    }),
    ...(['disable', 'enable'] as const).map((action) => adminRoute({
      method: 'post', path: `/users/:user/${action}`, operationId: `${action}User`, tag: 'users', access: 'write',
      summary: action === 'disable' ? 'Disable a user: they cannot sign in, and every session, token and storage credential ends' : 'Enable a disabled user',
      params: userParams, status: 200, response: userSchema, errors: [404],
      async handle({ params }) {
        return withGroups(await s.users.setEnabled(params.user, action === 'enable'));
      },
    })),
    adminRoute({
      method: 'put', path: '/users/:user/password', operationId: 'setUserPassword', tag: 'users', access: 'write', summary: 'Set a user\'s password (policy checked; the user is signed out everywhere)',
      params: userParams, body: setPasswordBody, status: 204, response: null, errors: [404],
      async handle({ params, body }) {
        await s.users.setPassword(params.user, body.password);
      },
    }),
    adminRoute({
      method: 'post', path: '/users/:user/require-reset', operationId: 'requireUserPasswordReset', tag: 'users', access: 'write', summary: 'Require a new password at the next sign-in (signed out now)',
      params: userParams, status: 200, response: userSchema, errors: [404],
      async handle({ params }) {
        return withGroups(await s.users.requireReset(params.user));
      },
    }),
    adminRoute({
      method: 'post', path: '/users/:user/mfa/reset', operationId: 'resetUserMfa', tag: 'users', access: 'write', summary: 'Remove a user\'s authenticator and recovery codes (they enrol again)',
      params: userParams, status: 200, response: mfaResetSchema, errors: [404],
      async handle({ params }) {
        const reset = await s.mfa.reset(params.user);
        return { user_id: reset.user.id, totp_removed: reset.totp, recovery_codes_removed: reset.recoveryCodes };
      },
    }),
    adminRoute({
      method: 'post', path: '/users/:user/sign-out', operationId: 'signOutUser', tag: 'users', access: 'write', summary: 'Sign a user out everywhere: sessions, grants, tokens and storage credentials',
      params: userParams, status: 204, response: null, errors: [404],
      async handle({ params }) {
        await s.users.signOutEverywhere(params.user);
      },
    }),
    adminRoute({
      method: 'get', path: '/users/:user/sessions', operationId: 'listUserSessions', tag: 'users', access: 'read', summary: 'The apps a user is signed in to (live grants)',
      params: userParams, status: 200, response: sessionListSchema, errors: [404],
      async handle({ params }) {
        const user = await s.users.resolve(params.user);
        const apps = await s.sessions.listApps(user.id);
        return { apps: apps.map((a) => ({ grant_id: a.grantId, client_id: a.clientId, granted_at: a.grantedAt.toISOString(), last_used_at: a.lastUsedAt.toISOString() })) };
      },
    }),
    adminRoute({
      method: 'get', path: '/users/:user/identities', operationId: 'listUserIdentities', tag: 'users', access: 'read', summary: 'A user\'s linked upstream identities',
      params: userParams, status: 200, response: identityListSchema, errors: [404],
      async handle({ params }) {
        const user = await s.users.resolve(params.user);
        return { identities: await s.identities.listForUser(user.id) };
      },
    }),
    adminRoute({
      method: 'delete', path: '/users/:user/identities/:provider', operationId: 'unlinkUserIdentity', tag: 'users', access: 'write', summary: 'Unlink a user\'s identity at a provider (refused when it is their last way to sign in)',
      params: identityParams, status: 200, response: identitySchema, errors: [404, 409],
      async handle({ params }) {
        return s.identities.unlink(params.user, params.provider);
      },
    }),
  ];
}
