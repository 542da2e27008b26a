import type { Context } from 'koa';

/**
 * The paths oidc-provider answers itself (our routers never match them, so no route pattern is known for
 * them): ids in paths become placeholders. Everything else nobody matched is pooled as `other`, so a scan
 * of random paths cannot grow the number of series.
 */
const PROVIDER_ROUTES: readonly [RegExp, string][] = [
  [/^\/auth\/[^/]+$/, '/auth/:uid'],
  [/^\/session\/end\/(confirm|success)$/, '/session/end/$1'],
];
/** The provider's fixed paths, labelled as they are (most requests: a set lookup before any expression). */
const PROVIDER_PATHS: ReadonlySet<string> = new Set(['/auth', '/token', '/jwks', '/session/end', '/request', '/reg', '/device', '/backchannel', '/.well-known/openid-configuration']);

/**
 * The `route` label of a request: the pattern of the route that answered it (`/admin/v1/users/:id`,
 * `/interaction/:uid/mfa/enrol`, `/federation/callback/:name`, …), as @koa/router records it on the context.
 * Patterns are strings written in the code, so the label's values are bounded by the route table. Paths
 * the provider serves are labelled from the table above; anything else is `other`.
 */
export function routeLabel(ctx: Context): string {
  const matched = (ctx as Context & { _matchedRoute?: unknown })._matchedRoute;
  if (typeof matched === 'string' && matched.startsWith('/')) return matched;
  if (PROVIDER_PATHS.has(ctx.path)) return ctx.path;
  for (const [pattern, label] of PROVIDER_ROUTES) if (pattern.test(ctx.path)) return ctx.path.replace(pattern, label);
  return 'other';
}

/** The `ctx.state` key where an endpoint names the operation it served (the Cognito API's `X-Amz-Target`). */
const OPERATION = 'metricsOperation';

/**
 * Names the operation a request served, for `latchkey_cognito_requests_total`: call it only with a name
 * from the endpoint's own table (never the header as sent), so the label stays bounded.
 */
export function labelOperation(ctx: Context, name: string): void {
  ctx.state[OPERATION] = name;
}

/** The operation named by `labelOperation`, else `other`. */
export function operationLabel(ctx: Context): string {
  const name: unknown = ctx.state[OPERATION];
  return typeof name === 'string' ? name : 'other';
}
