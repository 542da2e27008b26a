import type { Context, Next } from 'koa';

/**
 * How long shared caches and relying parties may keep the public metadata.
 *
 * The JWKS: `latchkey keys rotate` starts signing with the new key at once (it is not pre-published), and
 * relying-party libraries (jose's remote JWK set, openid-client) refetch the JWKS when a token names an
 * unknown `kid`. That refetch bypasses their own cache but not a shared HTTP cache in front of Latchkey, so
 * the max-age bounds how long such a cache can hide a new key: a minute, about what replicas themselves
 * take to pick a rotated key up (`LATCHKEY_KEY_REFRESH_SECONDS`, 30 s by default). Retired keys stay
 * published for as long as their tokens live, so caching never hides a key that still verifies.
 *
 * Discovery changes only when Latchkey is redeployed or reconfigured; five minutes spares relying parties
 * a round trip per sign-in and lets a configuration change through soon.
 */
export const METADATA_CACHE_CONTROL = {
  discovery: 'public, max-age=300',
  jwks: 'public, max-age=60',
} as const;

/**
 * Installed on oidc-provider (`provider.use`): marks its successful discovery and JWKS responses cacheable.
 * Errors stay uncached (the provider sets no Cache-Control on them).
 */
export async function cachePublicMetadata(ctx: Context, next: Next): Promise<void> {
  await next();
  const route = (ctx as Context & { oidc?: { route?: string } }).oidc?.route;
  if (ctx.status !== 200 || (route !== 'discovery' && route !== 'jwks')) return;
  ctx.set('Cache-Control', METADATA_CACHE_CONTROL[route]);
}
