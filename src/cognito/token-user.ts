import { InvalidTokenError } from '../errors/app-error.js';
import type { CognitoDeps } from './cognito-operation.js';

/**
 * The user an access token names: one of Latchkey's access tokens (signature, issuer, audience, expiry), live
 * (grant not revoked, `jti` not revoked, user may act, client not deleted), issued to a user rather than to a
 * client. Anything else is NotAuthorizedException.
 */
export async function tokenUser(deps: CognitoDeps, accessToken: string): Promise<{ userId: string; clientId: string }> {
  const verified = await deps.verifier.verify(accessToken);
  if (!verified.accountId) throw new InvalidTokenError('the access token names no user');
  return { userId: verified.accountId, clientId: verified.clientId };
}
