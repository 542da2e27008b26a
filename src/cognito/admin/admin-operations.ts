import type { Database } from '../../db/database.js';
import { createAwsAccessKeys } from '../../oidc/aws-access-keys.js';
import type { Services } from '../../services.js';
import type { CognitoDeps, CognitoOperation } from '../cognito-operation.js';
import { adminInitiateAuth } from './admin-initiate-auth.js';
import { sigV4Authorizer } from '../sigv4-authorization.js';
import { adminCreateUser } from './admin-create-user.js';
import { adminGetUser } from './admin-get-user.js';
import { adminGroupMembership } from './admin-group-membership.js';
import { adminListGroupsForUser } from './admin-list-groups-for-user.js';
import type { CognitoAdminDeps } from './admin-operation.js';
import { adminResetUserPassword } from './admin-reset-user-password.js';
import { adminSetUserPassword } from './admin-set-user-password.js';
import { adminUpdateUserAttributes } from './admin-update-user-attributes.js';
import { adminUserAction } from './admin-user-actions.js';
import { listUsers } from './list-users.js';
import { listUsersInGroup } from './list-users-in-group.js';

const SERVICE = 'AWSCognitoIdentityProviderService';

/**
 * The user-pool operations Cognito protects with SigV4, by `X-Amz-Target`, for the dispatcher beside the
 * unauthenticated ones: each verifies the signature of an admin client's access key before anything else.
 */
export function cognitoAdminOperations(deps: CognitoAdminDeps, signIn: CognitoDeps): ReadonlyMap<string, CognitoOperation> {
  return new Map<string, CognitoOperation>([
    [`${SERVICE}.AdminInitiateAuth`, adminInitiateAuth(deps, signIn)],
    [`${SERVICE}.AdminCreateUser`, adminCreateUser(deps)],
    [`${SERVICE}.AdminGetUser`, adminGetUser(deps)],
    [`${SERVICE}.AdminDeleteUser`, adminUserAction(deps, 'delete')],
    [`${SERVICE}.AdminDisableUser`, adminUserAction(deps, 'disable')],
    [`${SERVICE}.AdminEnableUser`, adminUserAction(deps, 'enable')],
    [`${SERVICE}.AdminUserGlobalSignOut`, adminUserAction(deps, 'signOut')],
    [`${SERVICE}.AdminUpdateUserAttributes`, adminUpdateUserAttributes(deps)],
    [`${SERVICE}.AdminSetUserPassword`, adminSetUserPassword(deps)],
    [`${SERVICE}.AdminResetUserPassword`, adminResetUserPassword(deps, signIn.codes)],
    [`${SERVICE}.AdminAddUserToGroup`, adminGroupMembership(deps, 'add')],
    [`${SERVICE}.AdminRemoveUserFromGroup`, adminGroupMembership(deps, 'remove')],
    [`${SERVICE}.AdminListGroupsForUser`, adminListGroupsForUser(deps)],
    [`${SERVICE}.ListUsers`, listUsers(deps)],
    [`${SERVICE}.ListUsersInGroup`, listUsersInGroup(deps)],
  ]);
}

/** The admin operations over the application's services, verifying SigV4 for `cognito-idp` in `region`. */
export function cognitoAdminOperationsFor(deps: { services: Pick<Services, 'users' | 'groups' | 'userSearch' | 'userPool'>; db: Database; secrets: readonly string[]; region: string; signIn: CognitoDeps }): ReadonlyMap<string, CognitoOperation> {
  const { users, groups, userSearch, userPool } = deps.services;
  const keys = createAwsAccessKeys({ db: deps.db, secrets: deps.secrets });
  return cognitoAdminOperations({ users, groups, userSearch, settings: userPool, authorize: sigV4Authorizer({ keys, region: deps.region, service: 'cognito-idp' }) }, deps.signIn);
}
