import { ForbiddenError } from '../errors/app-error.js';
import { accessTokenSchema } from './access-token.schema.js';
import { actingUser } from './acting-user.js';
import { cognitoOperation, type CognitoDeps, type CognitoOperation } from './cognito-operation.js';

/**
 * `DeleteUser`: the user the access token names deletes their own account, only where the pool allows it
 * (an operator's choice, off by default: NotAuthorizedException saying so). The deletion is the account
 * page's (and `latchkey user delete`'s): audited, and every session, token and storage credential of the
 * user ends with it.
 */
export function deleteUser(deps: CognitoDeps): CognitoOperation {
  return cognitoOperation(accessTokenSchema, async (input) => {
    const { user } = await actingUser(deps, input.AccessToken);
    if (!(await deps.settings.selfDeleteAllowed())) {
      throw new ForbiddenError('self_delete_disabled', 'Deleting your own account is not enabled for this user pool. Ask your administrator.');
    }
    await deps.users.delete(user.id);
    deps.logger.info({ event: 'cognito.user_deleted_by_user', userId: user.id }, 'account deleted by its user through the Cognito API');
    return {};
  });
}
