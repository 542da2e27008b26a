import type { CognitoOperation } from '../cognito-operation.js';
import { userRequest } from './admin.schema.js';
import { adminOperation, type CognitoAdminDeps } from './admin-operation.js';
import { findCognitoUser } from './admin-user-lookup.js';
import { presentCognitoUser } from './cognito-user.presenter.js';

/** AdminGetUser: the user by username, e-mail or sub, with `UserAttributes` (ListUsers' `Attributes`). */
export function adminGetUser(deps: CognitoAdminDeps): CognitoOperation {
  return adminOperation(deps, userRequest, async (input) => {
    const { Attributes, ...user } = presentCognitoUser(await findCognitoUser(deps.users, input.Username));
    return { ...user, UserAttributes: Attributes };
  });
}
