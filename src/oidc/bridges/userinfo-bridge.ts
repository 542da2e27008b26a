import type { Context, Next } from 'koa';
import { bearerToken } from '../../http/bearer-token.js';
import type Provider from 'oidc-provider';
import { allowClientOrigin } from './client-cors.js';
import { userMayAct } from '../../directory/account-state.js';
import type { Database } from '../../db/database.js';
import { InsufficientScopeError, InvalidTokenError } from '../../errors/app-error.js';
import type { AccessTokenVerifier } from '../access-token-verifier.js';
import { assertAccessTokenLive, looksLikeJwt } from '../access-token-verifier.js';
import { claimsForScopes, userClaims } from '../claims.js';
import { findUserinfoRows, type UserinfoToken } from '../repositories/userinfo.repository.js';
import { createTurnBatch } from '../../lib/turn-batch.js';

/**
 * Userinfo for Latchkey's JWT access tokens (OpenID Connect Core §5.3). oidc-provider serves userinfo only
 * for opaque tokens without an audience; Cognito and Keycloak accept their access tokens there, so this
 * bridge does too, for Bearer JWTs in the Authorization header. Anything else (DPoP, opaque tokens, the
 * form parameter) goes on to the provider unchanged. Steps: the token's claims (no database) → its liveness
 * and its user in one query (shared with the other requests of the same turn) → the same refusals, in the same
 * order, as a full `verify()` → the claims its scopes release.
 */
export function userinfoBridge(deps: { db: Database; verifier: AccessTokenVerifier; audience: string; provider: () => Provider }) {
  const userinfoRowOf = createTurnBatch((tokens: readonly UserinfoToken[]) => findUserinfoRows(deps.db, tokens));
  return async function userinfo(ctx: Context, next: Next): Promise<void> {
    const bearer = bearerToken(ctx);
    if (!bearer || !looksLikeJwt(bearer)) return void (await next());
    ctx.set('Cache-Control', 'no-store');
    // RFC 6750 §3: errors travel in WWW-Authenticate as well as the body (the OAuth surface does both).
    ctx.state.errorSurface = 'oauth';
    // Only tokens addressed to Latchkey itself: an API that receives a user's token must not read their profile.
    const token = await deps.verifier.verifyClaims(bearer, { audience: deps.audience });
    if (!token.accountId) {
      // A client-credentials token has no user to read: its liveness is still checked first, as verify() would.
      await deps.verifier.verify(bearer, { audience: deps.audience });
      throw new InvalidTokenError('client credentials tokens have no userinfo');
    }
    const { liveness, user } = await userinfoRowOf({ ...token, accountId: token.accountId });
    assertAccessTokenLive(token, liveness);
    if (!token.scopes.has('openid')) throw new InsufficientScopeError('openid');
    if (!user || !userMayAct(user)) throw new InvalidTokenError('access token user may no longer act (disabled, unconfirmed, reset required or deleted)');
    await allowClientOrigin(ctx, () => deps.provider().Client.find(token.clientId));
    ctx.body = claimsForScopes(userClaims(user), token.scopes);
  };
}
