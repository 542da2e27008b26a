import type { z } from 'zod';
import type { Services } from '../../../services.js';
import type { PoolSettingsRow, RuleRow } from '../../../identity-pool/repositories/pool.repository.js';
import type { PresentedRole } from '../../../identity-pool/role-service.js';
import { adminRoute, type AdminRoute } from '../admin-route.js';
import { createRoleBody, deleteRoleQuery, guestRoleSchema, replaceRoleMappingBody, roleListSchema, roleMappingSchema, roleParams, roleSchema, setGuestRoleBody, updateRoleBody } from './roles.schema.js';

type Deps = Pick<Services, 'roles'>;

function presentMapping(mapping: PoolSettingsRow & { rules: RuleRow[] }): z.input<typeof roleMappingSchema> {
  return {
    rules: mapping.rules.map((r) => ({ position: r.position, claim: r.claim, match: r.match_type, value: r.value, role: r.role_name })),
    default_role: mapping.default_role,
    ambiguous_role_resolution: mapping.ambiguous_role_resolution,
  };
}

/** The identity pool's roles (Cognito identity pool roles) and how tokens map to them. */
export function roleRoutes(s: Deps): AdminRoute[] {
  const role = (r: PresentedRole): z.input<typeof roleSchema> => ({ name: r.name, description: r.description, max_duration_seconds: r.max_duration_seconds, policy: r.policy, created_at: r.created_at });
  return [
    adminRoute({
      method: 'get', path: '/roles', operationId: 'listRoles', tag: 'roles', access: 'read', summary: 'List the identity pool\'s roles',
      status: 200, response: roleListSchema,
      async handle() {
        return { roles: (await s.roles.listRoles()).map(role) };
      },
    }),
    adminRoute({
      method: 'post', path: '/roles', operationId: 'createRole', tag: 'roles', access: 'write', summary: 'Create a role (409 when one of that name exists)',
      body: createRoleBody, status: 201, response: roleSchema, errors: [409],
      async handle({ body }) {
        return role(await s.roles.createRole({ name: body.name, policy: JSON.stringify(body.policy), maxDurationSeconds: body.max_duration_seconds, description: body.description }));
      },
    }),
    adminRoute({
      method: 'get', path: '/roles/:role', operationId: 'getRole', tag: 'roles', access: 'read', summary: 'Get a role with its policy template',
      params: roleParams, status: 200, response: roleSchema, errors: [404],
      async handle({ params }) {
        return role(await s.roles.getRole(params.role));
      },
    }),
    adminRoute({
      method: 'patch', path: '/roles/:role', operationId: 'updateRole', tag: 'roles', access: 'write', summary: 'Change a role\'s policy, maximum duration or description',
      params: roleParams, body: updateRoleBody, status: 200, response: roleSchema, errors: [404],
      async handle({ params, body }) {
        return role(await s.roles.updateRole(params.role, {
          policy: body.policy === undefined ? undefined : JSON.stringify(body.policy), maxDurationSeconds: body.max_duration_seconds, description: body.description,
        }));
      },
    }),
    adminRoute({
      method: 'delete', path: '/roles/:role', operationId: 'deleteRole', tag: 'roles', access: 'write', summary: 'Delete a role (409 while groups, rules or the default role use it, unless force=true)',
      params: roleParams, query: deleteRoleQuery, status: 204, response: null, errors: [404, 409],
      async handle({ params, query }) {
        await s.roles.deleteRole(params.role, { force: query.force === 'true' });
      },
    }),
    adminRoute({
      method: 'get', path: '/role-mapping', operationId: 'getRoleMapping', tag: 'roles', access: 'read', summary: 'The ordered role rules, the default role and the ambiguity choice',
      status: 200, response: roleMappingSchema,
      async handle() {
        return presentMapping(await s.roles.poolSettings());
      },
    }),
    adminRoute({
      method: 'put', path: '/role-mapping', operationId: 'replaceRoleMapping', tag: 'roles', access: 'write', summary: 'Replace the ordered rules, the default role and the ambiguity choice together',
      body: replaceRoleMappingBody, status: 200, response: roleMappingSchema, errors: [404],
      async handle({ body }) {
        return presentMapping(await s.roles.replaceMapping({ rules: body.rules, defaultRole: body.default_role, ambiguousRoleResolution: body.ambiguous_role_resolution }));
      },
    }),
    adminRoute({
      method: 'get', path: '/guest-role', operationId: 'getGuestRole', tag: 'roles', access: 'read', summary: 'The role of the identity pool\'s guests (null: guests are refused)',
      status: 200, response: guestRoleSchema,
      async handle() {
        return { guest_role: await s.roles.guestRole() };
      },
    }),
    adminRoute({
      method: 'put', path: '/guest-role', operationId: 'setGuestRole', tag: 'roles', access: 'write', summary: 'Set the role of the identity pool\'s guests, or null to refuse guests',
      body: setGuestRoleBody, status: 200, response: guestRoleSchema, errors: [404],
      async handle({ body }) {
        return s.roles.setGuestRole(body.guest_role);
      },
    }),
  ];
}
