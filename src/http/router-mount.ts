import type Router from '@koa/router';
import type { Middleware } from 'koa';

/**
 * What a mounted router claims (see {@link mountTogether}): the first path segments it serves, and what to enter
 * once the segment is known to be one of them. Absent: the middleware claims every path.
 */
const CLAIM = Symbol('claim');
interface Claim { segments: ReadonlySet<string>; enter: Middleware }
type Claiming = Middleware & { [CLAIM]?: Claim };

/** The first path segment, lower-cased as the routers match (they are case-insensitive by default). */
function firstSegment(path: string): string {
  const end = path.indexOf('/', 1);
  return (end < 0 ? path.slice(1) : path.slice(1, end)).toLowerCase();
}

/** The first segments `router`'s routes can match, or null when one begins with a parameter or pattern. */
export function routeSegments(router: Router): ReadonlySet<string> | null {
  const segments = new Set<string>();
  for (const layer of router.stack) {
    const path = typeof layer.path === 'string' ? layer.path : '';
    if (!path.startsWith('/')) return null;
    const segment = firstSegment(path);
    if (/[:*({[\\]/.test(segment)) return null;
    segments.add(segment);
  }
  return segments;
}

/**
 * `router.routes()`, entered only by requests whose first path segment one of its routes starts with. Koa
 * routers test every route's expression against every request; the app mounts a dozen routers before the
 * provider, and on the token endpoint that matching cost more than the provider's own routing. A router whose
 * routes start with a parameter is always entered.
 */
export function mountRoutes(router: Router): Middleware {
  const dispatch = router.routes() as Middleware;
  const segments = routeSegments(router);
  if (!segments) return dispatch;
  const mounted: Middleware = async (ctx, next) => {
    if (segments.has(firstSegment(ctx.path))) await dispatch(ctx, next);
    else await next();
  };
  // Marked as @koa/router marks its own dispatch, so that tracing (instrumentation-koa) still finds the
  // router's layers and names each request's route.
  return Object.assign(mounted, { router, [CLAIM]: { segments, enter: dispatch } });
}

/**
 * A router built on the first request that may enter it: one whose first path segment is among `segments`
 * (and, given `methods`, whose method is among them). `build` imports the router's modules then, once; every
 * other request passes by without loading anything, so a server that never serves these routes never holds
 * their modules. A failed build is tried again by the next such request.
 */
export function mountLazily(segments: readonly string[], build: () => Promise<Router>, methods?: readonly string[]): Middleware {
  const wanted = new Set(segments);
  let dispatch: Promise<Middleware> | undefined;
  const mount = async () => {
    const router = await build();
    const own = routeSegments(router);
    // A route outside the declared segments would never be reached: refused, so that tests find it.
    if (!own || [...own].some((segment) => !wanted.has(segment))) throw new Error(`a lazily mounted router serves paths outside /${segments.join(', /')}`);
    return mountRoutes(router);
  };
  const lazy: Claiming = async (ctx, next) => {
    if (!wanted.has(firstSegment(ctx.path)) || (methods && !methods.includes(ctx.method))) {
      await next();
      return;
    }
    dispatch ??= mount().catch((error: unknown) => {
      dispatch = undefined;
      throw error;
    });
    await (await dispatch)(ctx, next);
  };
  lazy[CLAIM] = { segments: wanted, enter: lazy };
  return lazy;
}

/**
 * Mounted routers (`mountRoutes`, `mountLazily`) as one middleware: a request's first path segment is read
 * once, and only the routers claiming it (and those claiming every path) are entered, in the order given.
 * Mounted one by one, each router is a layer every request passes through twice (in and out): the token
 * endpoint crossed fourteen of them before the provider. Chains are built once per claimed segment; any
 * other segment (a client chooses it) shares the chain of the routers that claim every path, so the table
 * does not grow with requests.
 */
export function mountTogether(mounts: readonly Middleware[]): Middleware {
  const claims = mounts.map((mount) => (mount as Claiming)[CLAIM] ?? null);
  // A router's own dispatch, not its mount: the segment is already known to be one it claims.
  const chainOf = (segment: string | null) => chain(mounts.flatMap((mount, i) => {
    const claim = claims[i];
    if (!claim) return [mount];
    return segment !== null && claim.segments.has(segment) ? [claim.enter] : [];
  }));
  const chains = new Map<string, Middleware>();
  for (const claim of claims) for (const segment of claim?.segments ?? []) if (!chains.has(segment)) chains.set(segment, chainOf(segment));
  const unclaimed = chainOf(null);
  return async (ctx, next) => {
    await (chains.get(firstSegment(ctx.path)) ?? unclaimed)(ctx, next);
  };
}

/** Middlewares run one after the other, as Koa composes them; the last one's `next` is the caller's. */
function chain(middlewares: readonly Middleware[]): Middleware {
  if (middlewares.length === 1) return middlewares[0]!;
  return async (ctx, next) => {
    const step = async (index: number): Promise<void> => {
      if (index === middlewares.length) await next();
      else await middlewares[index]!(ctx, () => step(index + 1));
    };
    await step(0);
  };
}
