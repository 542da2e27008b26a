import type { z } from 'zod';
import type { Services } from '../../../services.js';
import type { GroupMemberRow, GroupRow } from '../../../directory/repositories/group.repository.js';
import { NotFoundError } from '../../../errors/app-error.js';
import { decodeCursor, encodeCursor } from '../common.schema.js';
import { adminRoute, type AdminRoute } from '../admin-route.js';
import {
  createGroupBody, groupListSchema, groupMemberParams, groupParams, groupSchema, memberListQuery, memberListSchema, membershipSchema, updateGroupBody, type memberSchema,
} from './groups.schema.js';

type Deps = Pick<Services, 'groups'>;

/** A group as the API shows it: named fields only. */
function presentGroup(group: GroupRow, members: number): z.input<typeof groupSchema> {
  return { id: group.id, name: group.name, description: group.description, precedence: group.precedence, role: group.role_name, members, created_at: group.created_at.toISOString() };
}

function presentMember(member: GroupMemberRow): z.input<typeof memberSchema> {
  return { user_id: member.user_id, username: member.username, email: member.email, granted_by_provider: member.granted_by_provider, added_at: member.created_at.toISOString() };
}

/** The user id a member page's cursor holds. */
function afterUser(cursor: string | undefined): string | null {
  return cursor === undefined ? null : String(decodeCursor(cursor, ['uuid'])[0]);
}

/** Groups: Cognito's group operations (list, create, get, update, delete, members), with member counts. */
export function groupRoutes(s: Deps): AdminRoute[] {
  return [
    adminRoute({
      method: 'get', path: '/groups', operationId: 'listGroups', tag: 'groups', access: 'read', summary: 'List groups in precedence order, with member counts',
      status: 200, response: groupListSchema,
      async handle() {
        return { groups: (await s.groups.list()).map((g) => presentGroup(g, g.members)) };
      },
    }),
    adminRoute({
      method: 'post', path: '/groups', operationId: 'createGroup', tag: 'groups', access: 'write', summary: 'Create a group',
      body: createGroupBody, status: 201, response: groupSchema, errors: [404, 409],
      async handle({ body }) {
        const group = await s.groups.create({ name: body.name, description: body.description, precedence: body.precedence, role: body.role });
        return presentGroup(group, 0);
      },
    }),
    adminRoute({
      method: 'get', path: '/groups/:group', operationId: 'getGroup', tag: 'groups', access: 'read', summary: 'Get a group with its member count',
      params: groupParams, status: 200, response: groupSchema, errors: [404],
      async handle({ params }) {
        const group = await s.groups.get(params.group);
        return presentGroup(group, group.members);
      },
    }),
    adminRoute({
      method: 'patch', path: '/groups/:group', operationId: 'updateGroup', tag: 'groups', access: 'write', summary: 'Change a group\'s description, precedence or role (null takes the role off)',
      params: groupParams, body: updateGroupBody, status: 200, response: groupSchema, errors: [404],
      async handle({ params, body }) {
        const group = await s.groups.update(params.group, { description: body.description, precedence: body.precedence, role: body.role });
        return presentGroup(group, group.members);
      },
    }),
    adminRoute({
      method: 'delete', path: '/groups/:group', operationId: 'deleteGroup', tag: 'groups', access: 'write', summary: 'Delete a group: its memberships and provider group rules go with it',
      params: groupParams, status: 204, response: null, errors: [404],
      async handle({ params }) {
        await s.groups.delete(params.group);
      },
    }),
    adminRoute({
      method: 'get', path: '/groups/:group/members', operationId: 'listGroupMembers', tag: 'groups', access: 'read', summary: 'A group\'s members (keyset pages in user-id order)',
      params: groupParams, query: memberListQuery, status: 200, response: memberListSchema, errors: [404],
      async handle({ params, query }) {
        const rows = await s.groups.members(params.group, { after: afterUser(query.cursor), limit: query.limit + 1 });
        const page = rows.slice(0, query.limit);
        const last = page[page.length - 1];
        return { members: page.map(presentMember), next_cursor: rows.length > query.limit && last ? encodeCursor([last.user_id]) : null };
      },
    }),
    adminRoute({
      method: 'put', path: '/groups/:group/members/:user', operationId: 'addGroupMember', tag: 'groups', access: 'write', summary: 'Add a user to a group (idempotent; a rule-granted membership becomes one no rule withdraws)',
      params: groupMemberParams, status: 200, response: membershipSchema, errors: [404],
      async handle({ params }) {
        const { added, userId } = await s.groups.addUser(params.group, params.user);
        return { group: params.group, user_id: userId, changed: added };
      },
    }),
    adminRoute({
      method: 'delete', path: '/groups/:group/members/:user', operationId: 'removeGroupMember', tag: 'groups', access: 'write', summary: 'Remove a user from a group (their next token leaves it out)',
      params: groupMemberParams, status: 204, response: null, errors: [404],
      async handle({ params }) {
        const { removed } = await s.groups.removeUser(params.group, params.user);
        if (!removed) throw new NotFoundError(`"${params.user}" is not a member of "${params.group}"`);
      },
    }),
  ];
}
