import type { Command } from 'commander';
import { describe, expect, it } from 'vitest';
import { adminRouteTable } from '../../src/admin/api/admin-api.js';
import type { Services } from '../../src/services.js';
import { buildProgram } from '../../src/cli.js';

/**
 * Every admin API operation is also a `latchkey` command. The route table drives the test: a new route
 * without its command (or without an entry here naming it) fails it.
 */
const COMMAND_FOR: Record<string, string> = {
  importUsers: 'users import', exportUsers: 'users export',
  listUsers: 'user list', createUser: 'user create', getUser: 'user show', updateUser: 'user update', deleteUser: 'user delete',
  disableUser: 'user disable', enableUser: 'user enable', setUserPassword: 'user set-password', requireUserPasswordReset: 'user require-reset',
  resetUserMfa: 'user reset-mfa', signOutUser: 'user sign-out', listUserSessions: 'user sessions', listUserIdentities: 'user identities', unlinkUserIdentity: 'user unlink',
  listGroups: 'group list', createGroup: 'group create', getGroup: 'group show', updateGroup: 'group update', deleteGroup: 'group delete',
  listGroupMembers: 'group members', addGroupMember: 'group add-user', removeGroupMember: 'group remove-user',
  listClients: 'client list', createClient: 'client create', getClient: 'client show', updateClient: 'client update', deleteClient: 'client delete', rotateClientSecret: 'client rotate-secret',
  listAdmins: 'admin list', grantAdmin: 'admin grant', revokeAdmin: 'admin revoke',
  listRoles: 'role list', createRole: 'role create', getRole: 'role show', updateRole: 'role update', deleteRole: 'role delete',
  getRoleMapping: 'pool show', replaceRoleMapping: 'pool rule add', getGuestRole: 'pool show', setGuestRole: 'pool set-guest-role',
  listProviders: 'provider list', addProvider: 'provider add', getProvider: 'provider show', removeProvider: 'provider remove',
  listProviderGroupRules: 'provider group-rules', addProviderGroupRule: 'provider map-group', removeProviderGroupRule: 'provider unmap-group',
  getPoolSettings: 'pool show', setPasswordPolicy: 'pool set-password-policy', setMfaMode: 'pool set-mfa', setSignupSettings: 'pool set-signup', setSelfDelete: 'pool set-account-deletion',
  listAttributes: 'attribute list', addAttribute: 'attribute declare', changeAttribute: 'attribute change', removeAttribute: 'attribute remove',
  listSigningKeys: 'keys list', rotateSigningKey: 'keys rotate',
  listAuditEvents: 'audit',
};

function find(program: Command, path: string): Command | undefined {
  let command: Command | undefined = program;
  for (const name of path.split(' ')) command = command?.commands.find((c) => c.name() === name);
  return command;
}

describe('CLI parity with the admin API', () => {
  const program = buildProgram({});
  const routes = adminRouteTable({} as Services);

  it('names a command for every admin operation, and no operation that does not exist', () => {
    expect(Object.keys(COMMAND_FOR).sort()).toEqual(routes.map((r) => r.operationId).sort());
  });

  it('has each of those commands, and --json on the program they inherit', () => {
    const missing = routes.filter((r) => !find(program, COMMAND_FOR[r.operationId]!)).map((r) => `${r.operationId} → latchkey ${COMMAND_FOR[r.operationId]}`);
    expect(missing).toEqual([]);
    expect(program.options.map((o) => o.long)).toContain('--json');
  });
});
