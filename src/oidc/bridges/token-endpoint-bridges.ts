import type { IncomingMessage } from 'node:http';
import type { Context, Next } from 'koa';
import type { Database } from '../../db/database.js';
import { uniqueForm } from '../../http/form-body.js';
import { checkedProviderForm } from '../../http/provider-input-guard.js';
import type { AccessTokenVerifier } from '../access-token-verifier.js';
import { looksLikeJwt } from '../access-token-verifier.js';
import type { ProviderHolder } from '../provider-holder.js';
import { insertRevokedAccessToken } from '../repositories/access-token-liveness.repository.js';
import { authenticateClient } from './client-authentication.js';
import { allowClientOrigin } from './client-cors.js';
import { epochSeconds, systemClock, type Clock } from '../../lib/clock.js';

type Delegate = (ctx: Context, req: IncomingMessage) => Promise<void>;

/**
 * The token form, as the edge check (`guardProviderInput`, which both bridges sit behind) read and decoded
 * it; null when the request has no urlencoded body. Duplicates give no token field, so the request goes on to
 * the provider, which rejects them its own way.
 */
function tokenForm(ctx: Context): Record<string, string> | null {
  const checked = checkedProviderForm(ctx);
  if (!checked) return null;
  const parsed = uniqueForm(checked.fields);
  return 'form' in parsed ? parsed.form : {};
}

/**
 * The shared frame of both bridges: a POSTed token form whose `token` looks like a JWT is handled here,
 * for an authenticated confidential client; anything else replays, untouched, to oidc-provider.
 */
function jwtTokenBridge(
  deps: { holder: ProviderHolder; delegate: Delegate },
  options: { allowPublic: boolean },
  handle: (ctx: Context, token: string, callerClientId: string) => Promise<void>,
) {
  return async function bridge(ctx: Context, next: Next): Promise<void> {
    if (ctx.method !== 'POST') return void (await next());
    const form = tokenForm(ctx);
    if (!form) return void (await next());
    const token = form.token;
    // `ctx.req` is the edge check's replay of the body, not read yet: the provider reads it as sent.
    if (!token || !looksLikeJwt(token)) return deps.delegate(ctx, ctx.req);
    ctx.set('Cache-Control', 'no-store');
    ctx.state.errorSurface = 'oauth';
    const caller = await authenticateClient(ctx, deps.holder.provider, form, options);
    await allowClientOrigin(ctx, async () => caller.client);
    await handle(ctx, token, caller.clientId);
  };
}

/**
 * Introspection (RFC 7662) of Latchkey's JWT access tokens, which oidc-provider does not store and so
 * cannot introspect. Active only while the token verifies and its grant is live; a confidential client
 * learns only about tokens issued to itself (the provider's `allowedPolicy` says the same for the tokens
 * it introspects). Other tokens (refresh tokens, opaque ones) replay to the provider.
 */
export function introspectionBridge(deps: { holder: ProviderHolder; verifier: AccessTokenVerifier; delegate: Delegate }) {
  return jwtTokenBridge(deps, { allowPublic: false }, async (ctx, token, caller) => {
    const verified = await deps.verifier.verify(token).catch(() => null);
    if (!verified || verified.clientId !== caller) {
      ctx.body = { active: false };
      return;
    }
    const p = verified.payload;
    ctx.body = {
      active: true,
      iss: p.iss, sub: verified.sub, aud: p.aud, client_id: verified.clientId, scope: p.scope,
      exp: verified.exp, iat: verified.iat, jti: verified.jti, token_type: 'Bearer',
      ...(verified.accountId ? { groups: verified.groups } : {}),
    };
  });
}

/**
 * Revocation (RFC 7009) of JWT access tokens: the `jti` goes on a deny list until the token would have
 * expired, which userinfo, introspection and the STS endpoint consult. Per §2.2, an invalid or foreign
 * token still answers 200. Refresh tokens replay to the provider, which revokes the whole grant.
 */
export function revocationBridge(deps: { db: Database; holder: ProviderHolder; verifier: AccessTokenVerifier; delegate: Delegate; clock?: Clock }) {
  const clock = deps.clock ?? systemClock;
  return jwtTokenBridge(deps, { allowPublic: true }, async (ctx, token, caller) => {
    // DPoP-bound tokens can be revoked too: revoking needs no proof of possession.
    const verified = await deps.verifier.verify(token, { allowSenderConstrained: true }).catch(() => null);
    if (verified && verified.clientId === caller) {
      await insertRevokedAccessToken(deps.db, verified.jti, verified.exp - epochSeconds(clock) + 60);
    }
    ctx.status = 200;
    ctx.body = '';
  });
}
