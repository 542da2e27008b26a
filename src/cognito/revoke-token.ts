import { postToProvider } from '../oidc/in-process-request.js';
import { requirePublicClient } from './app-client.js';
import { cognitoOperation, type CognitoDeps, type CognitoOperation } from './cognito-operation.js';
import { revokeTokenSchema } from './revoke-token.schema.js';

/**
 * RevokeToken: the provider's revocation endpoint (RFC 7009), in process, for this client: a refresh token
 * ends its whole grant, so the access tokens issued with it stop at their next liveness check. As RFC 7009
 * §2.2 and Cognito, a token that is unknown or another client's answers the same empty success.
 */
export function revokeToken(deps: CognitoDeps): CognitoOperation {
  return cognitoOperation(revokeTokenSchema, async (input) => {
    const client = await requirePublicClient(deps.clients, input.ClientId);
    const answer = await postToProvider(deps.holder.provider, deps.issuer, '/token/revocation', { token: input.Token, token_type_hint: 'refresh_token', client_id: client.clientId });
    if (answer.status >= 500) throw new Error(`the provider could not revoke a token: ${answer.status}`);
    return {};
  });
}
