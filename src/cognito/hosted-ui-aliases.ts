import type { Context, Next } from 'koa';

/**
 * Cognito's hosted-UI paths, answered by the endpoints that do the same work here, so that an app which
 * builds Cognito domain URLs by hand (`https://DOMAIN/oauth2/authorize?…`) works once its domain is
 * Latchkey's. Discovery keeps naming Latchkey's own paths: these are aliases, not a second surface.
 * The request is rewritten before any route sees it, so every check of the real endpoint applies (client
 * authentication, registered redirect URIs, PKCE, the provider's input guard, rate limits, metrics).
 */
const PATH_ALIASES: ReadonlyMap<string, string> = new Map([
  ['/oauth2/authorize', '/auth'],
  // Cognito's `/login` takes the authorize parameters and shows the sign-in page.
  ['/login', '/auth'],
  ['/oauth2/token', '/token'],
  // Cognito spells it with a capital I; the lower-case form is what some hand-written clients send.
  ['/oauth2/userInfo', '/me'],
  ['/oauth2/userinfo', '/me'],
  ['/oauth2/revoke', '/token/revocation'],
  // Where Cognito publishes a pool's keys (`{iss}/.well-known/jwks.json`), which token verifiers written
  // for Cognito fetch.
  ['/.well-known/jwks.json', '/jwks'],
]);

/**
 * Cognito's `GET /logout?client_id=…&logout_uri=…` as RP-initiated logout (OpenID Connect RP-Initiated
 * Logout 1.0): `logout_uri` becomes `post_logout_redirect_uri`, which must be one of the client's registered
 * post-logout redirect URIs (Cognito's "sign-out URLs"), checked by the end-session endpoint. Unlike Cognito,
 * the user confirms on Latchkey's logout page: a bare link must not sign anyone out (logout CSRF).
 * Cognito's other form (`redirect_uri` and `response_type`: sign out, then sign in again) is not offered;
 * the end-session endpoint answers it with its error for a missing redirect.
 */
function logoutTarget(ctx: Context): string {
  const from = new URLSearchParams(ctx.querystring);
  const to = new URLSearchParams();
  const clientId = from.get('client_id');
  const logoutUri = from.get('logout_uri');
  if (clientId !== null) to.set('client_id', clientId);
  if (logoutUri !== null) to.set('post_logout_redirect_uri', logoutUri);
  const state = from.get('state');
  if (state !== null) to.set('state', state);
  const query = to.toString();
  return query ? `/session/end?${query}` : '/session/end';
}

/** Rewrites a Cognito hosted-UI path to Latchkey's endpoint; any other request passes unchanged. */
export async function cognitoHostedUiAliases(ctx: Context, next: Next): Promise<void> {
  const target = PATH_ALIASES.get(ctx.path);
  if (target) {
    ctx.path = target;
  } else if (ctx.path === '/logout' && (ctx.method === 'GET' || ctx.method === 'HEAD')) {
    ctx.url = logoutTarget(ctx);
  }
  await next();
}
