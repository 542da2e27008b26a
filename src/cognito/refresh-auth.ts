import { InvalidRequestError } from '../errors/app-error.js';
import { refreshTokens } from '../oidc/sign-in-grant.js';
import { requireAuthFlow } from './app-client.js';
import type { CognitoDeps, OperationOutput } from './cognito-operation.js';
import { authenticationResult } from './token-answer.js';

/**
 * REFRESH_TOKEN_AUTH and GetTokensFromRefreshToken: the provider's own refresh-token grant for this client,
 * in process, so Latchkey's rule holds as at `/token`: the refresh token rotates (the new one is returned),
 * and presenting a spent one revokes the whole grant. Another client's, a revoked or an expired refresh token
 * is NotAuthorizedException.
 */
export async function refreshAuth(deps: CognitoDeps, clientId: string, refreshToken: string | undefined, flowName: string): Promise<OperationOutput> {
  const client = await requireAuthFlow(deps.clients, clientId, 'ALLOW_REFRESH_TOKEN_AUTH', flowName);
  if (!refreshToken) throw new InvalidRequestError('Missing required parameter REFRESH_TOKEN', [{ path: 'REFRESH_TOKEN', message: 'required' }]);
  const answer = await refreshTokens(deps.holder.provider, deps.issuer, client.clientId, refreshToken);
  return authenticationResult(answer, 'Invalid Refresh Token');
}
