import type { Context, Next } from 'koa';
import type Provider from 'oidc-provider';
import { allowClientOrigin } from './client-cors.js';
import type { Database } from '../../db/database.js';
import { findUserWithGroupsById } from '../../directory/repositories/user.repository.js';
import { AppError } from '../../errors/app-error.js';
import type { AccessTokenVerifier } from '../access-token-verifier.js';
import { looksLikeJwt } from '../access-token-verifier.js';
import { claimsForScopes, userClaims } from '../claims.js';

/**
 * Userinfo for Latchkey's JWT access tokens (OpenID Connect Core §5.3). oidc-provider serves userinfo only
 * for opaque tokens without an audience; Cognito and Keycloak accept their access tokens there, so this
 * bridge does too, for Bearer JWTs in the Authorization header. Anything else (DPoP, opaque tokens, the
 * form parameter) goes on to the provider unchanged.
 */
export function userinfoBridge(deps: { db: Database; verifier: AccessTokenVerifier; audience: string; provider: () => Provider }) {
  return async function userinfo(ctx: Context, next: Next): Promise<void> {
    const match = /^Bearer ([^\s]+)$/.exec(ctx.get('authorization'));
    if (!match || !looksLikeJwt(match[1]!)) return void (await next());
    ctx.set('Cache-Control', 'no-store');
    try {
      // Only tokens addressed to Latchkey itself: an API that receives a user's token must not read their profile.
      const token = await deps.verifier.verify(match[1]!, { audience: deps.audience });
      if (!token.accountId) throw new AppError(401, 'invalid_token', 'client credentials tokens have no userinfo');
      if (!token.scopes.has('openid')) throw new AppError(403, 'insufficient_scope', 'access token missing openid scope');
      const user = await findUserWithGroupsById(deps.db, token.accountId);
      if (!user || !user.enabled) throw new AppError(401, 'invalid_token', 'access token user is disabled or deleted');
      await allowClientOrigin(ctx, () => deps.provider().Client.find(token.clientId));
      ctx.body = claimsForScopes(userClaims(user), token.scopes);
    } catch (error) {
      if (!(error instanceof AppError)) throw error;
      // RFC 6750 §3: errors travel in WWW-Authenticate as well as the body.
      ctx.set('WWW-Authenticate', `Bearer error="${error.code}", error_description="${error.message.replace(/"/g, "'")}"`);
      ctx.status = error.status;
      ctx.body = { error: error.code, error_description: error.message };
    }
  };
}
