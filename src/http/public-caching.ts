import type { Context, Middleware, Next } from 'koa';

/** Discovery changes only when Latchkey is redeployed or reconfigured: five minutes spares a round trip per sign-in. */
const DISCOVERY_MAX_AGE_SECONDS = 300;
/** The JWKS' longest max-age: what an immediate rotation may stay hidden behind a shared cache. */
const JWKS_MAX_AGE_CEILING_SECONDS = 60;

/**
 * How long shared caches and relying parties may keep the JWKS.
 *
 * A scheduled rotation publishes the new key `publishAheadSeconds` before it signs; a replica shows it
 * within `keyRefreshSeconds` of that. So a cache that fetched just before a replica showed it must expire
 * before the key signs: max-age + refresh < publish-ahead, kept with room to spare by taking half of what
 * is left. It is at most a minute because `latchkey keys rotate` (suspected exposure) signs with the new key
 * at once: relying-party libraries (jose's remote JWK set, openid-client) refetch the JWKS when a token names
 * an unknown `kid`, a refetch that bypasses their own cache but not a shared HTTP cache in front of Latchkey.
 * Retired keys stay published for as long as their tokens live, so caching never hides a key that still verifies.
 */
export function jwksMaxAgeSeconds(publishAheadSeconds: number, keyRefreshSeconds: number): number {
  return Math.max(0, Math.min(JWKS_MAX_AGE_CEILING_SECONDS, Math.floor((publishAheadSeconds - keyRefreshSeconds) / 2)));
}

/**
 * Installed on oidc-provider (`provider.use`): marks its successful discovery and JWKS responses cacheable.
 * Errors stay uncached (the provider sets no Cache-Control on them).
 */
export function cachePublicMetadata(options: { jwksMaxAgeSeconds: number }): Middleware {
  const cacheControl = {
    discovery: `public, max-age=${DISCOVERY_MAX_AGE_SECONDS}`,
    jwks: `public, max-age=${options.jwksMaxAgeSeconds}`,
  };
  return async (ctx: Context, next: Next) => {
    await next();
    const route = (ctx as Context & { oidc?: { route?: string } }).oidc?.route;
    if (ctx.status !== 200 || (route !== 'discovery' && route !== 'jwks')) return;
    ctx.set('Cache-Control', cacheControl[route]);
  };
}
