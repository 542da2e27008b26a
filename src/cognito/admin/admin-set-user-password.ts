import type { CognitoOperation } from '../cognito-operation.js';
import { adminSetUserPasswordRequest } from './admin.schema.js';
import { adminOperation, type CognitoAdminDeps } from './admin-operation.js';
import { findCognitoUser } from './admin-user-lookup.js';

/**
 * AdminSetUserPassword: the password (policy-checked; the user is signed out everywhere, as with any
 * administrator-set password). `Permanent: true` confirms the account; otherwise it is a temporary password and
 * the account must choose a new one (`reset_required`), as Cognito's FORCE_CHANGE_PASSWORD: signing in with it
 * answers NEW_PASSWORD_REQUIRED.
 */
export function adminSetUserPassword(deps: CognitoAdminDeps): CognitoOperation {
  return adminOperation(deps, adminSetUserPasswordRequest, async (input) => {
    const user = await findCognitoUser(deps.users, input.Username);
    await deps.users.setPassword(user.id, input.Password);
    if (!input.Permanent) await deps.users.requireReset(user.id, { temporaryPassword: true });
    return {};
  });
}
