import { cognitoOperation, type CognitoDeps, type CognitoOperation } from './cognito-operation.js';
import { getTokensFromRefreshTokenSchema } from './get-tokens-from-refresh-token.schema.js';
import { refreshAuth } from './refresh-auth.js';

/** GetTokensFromRefreshToken (how Amplify ≥ 6.15.4 refreshes): REFRESH_TOKEN_AUTH under another name. */
export function getTokensFromRefreshToken(deps: CognitoDeps): CognitoOperation {
  return cognitoOperation(getTokensFromRefreshTokenSchema, (input) => refreshAuth(deps, input.ClientId, input.RefreshToken, 'REFRESH_TOKEN_AUTH'));
}
