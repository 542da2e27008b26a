import type { Context, Next } from 'koa';
import type { AppError } from '../../errors/app-error.js';

/**
 * Where an error is shown decides its shape: OAuth JSON (RFC 6749 §5.2, RFC 6750 §3) for the protocol
 * endpoints, AWS's XML for the STS query API, a hosted page for browsers, the admin JSON envelope for the
 * admin API, AWS JSON 1.1 (`__type`) for the Cognito-compatible API. A route declares its surface first in
 * its chain; the error handler renders with it.
 */
export type ErrorSurfaceName = 'oauth' | 'aws' | 'page' | 'admin' | 'cognito';

/** Renders one catalogued error onto the response. Serializers pick fields by class, never by message. */
export type ErrorSerializer = (ctx: Context, error: AppError, requestId: string) => void;

/** The first step of a route's chain: errors after it are rendered on `surface`. */
export function errorSurface(surface: ErrorSurfaceName) {
  return async function declareErrorSurface(ctx: Context, next: Next): Promise<void> {
    ctx.state.errorSurface = surface;
    await next();
  };
}

/** The surface a route declared, else by what the client accepts: a browser's GET gets a page, the rest JSON. */
export function surfaceFor(ctx: Context): ErrorSurfaceName {
  const declared: unknown = ctx.state.errorSurface;
  if (declared === 'oauth' || declared === 'aws' || declared === 'page' || declared === 'admin' || declared === 'cognito') return declared;
  return ctx.method === 'GET' && ctx.accepts('json', 'html') === 'html' ? 'page' : 'oauth';
}
