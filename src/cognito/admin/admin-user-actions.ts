import type { CognitoOperation } from '../cognito-operation.js';
import { userRequest } from './admin.schema.js';
import { adminOperation, type CognitoAdminDeps } from './admin-operation.js';
import { findCognitoUser } from './admin-user-lookup.js';

type UserAction = 'delete' | 'disable' | 'enable' | 'signOut';

/**
 * AdminDeleteUser, AdminDisableUser, AdminEnableUser and AdminUserGlobalSignOut: one directory call each, with
 * its audit event and, for all but enable, the end of every session, grant and storage credential the user has.
 */
export function adminUserAction(deps: CognitoAdminDeps, action: UserAction): CognitoOperation {
  return adminOperation(deps, userRequest, async (input) => {
    const user = await findCognitoUser(deps.users, input.Username);
    if (action === 'delete') await deps.users.delete(user.id);
    else if (action === 'signOut') await deps.users.signOutEverywhere(user.id);
    else await deps.users.setEnabled(user.id, action === 'enable');
    return {};
  });
}
