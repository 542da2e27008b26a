import { accessTokenSchema } from './access-token.schema.js';
import { cognitoOperation, type CognitoDeps, type CognitoOperation } from './cognito-operation.js';
import { tokenUser } from './token-user.js';

/**
 * GlobalSignOut: the account page's "sign out everywhere" for the user the access token names: every
 * session and grant ends (refresh tokens with them, access tokens at their next liveness check), audited.
 */
export function globalSignOut(deps: CognitoDeps): CognitoOperation {
  return cognitoOperation(accessTokenSchema, async (input) => {
    const { userId } = await tokenUser(deps, input.AccessToken);
    await deps.users.signOutEverywhere(userId);
    deps.logger.info({ event: 'cognito.global_sign_out', userId }, 'signed out everywhere');
    return {};
  });
}
