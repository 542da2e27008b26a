import type { CognitoOperation } from '../cognito-operation.js';
import { groupMembershipRequest } from './admin.schema.js';
import { adminOperation, type CognitoAdminDeps } from './admin-operation.js';
import { findCognitoUser } from './admin-user-lookup.js';

/**
 * AdminAddUserToGroup and AdminRemoveUserFromGroup. The group is checked first, so that a missing one is
 * ResourceNotFoundException and a missing user UserNotFoundException; adding a member twice, or removing a
 * non-member, succeeds, as in Cognito.
 */
export function adminGroupMembership(deps: CognitoAdminDeps, action: 'add' | 'remove'): CognitoOperation {
  return adminOperation(deps, groupMembershipRequest, async (input) => {
    await deps.groups.get(input.GroupName);
    const user = await findCognitoUser(deps.users, input.Username);
    if (action === 'add') await deps.groups.addUser(input.GroupName, user.id);
    else await deps.groups.removeUser(input.GroupName, user.id);
    return {};
  });
}
