import type { Context, Next } from 'koa';
import { isDatabaseUnavailable } from '../db/database.js';
import { AppError, InvalidRequestError, RateLimitedError } from '../errors/app-error.js';
import type { Logger } from '../lib/logger.js';

/** Renders an HTML error page; supplied by the hosted UI so errors look like the product. */
export type HtmlErrorRenderer = (ctx: Context, status: number, code: string, description: string) => void;

interface ProviderLikeError {
  status?: number;
  statusCode?: number;
  error?: string;
  error_description?: string;
  expose?: boolean;
}

/**
 * The one place errors become responses. AppErrors and oidc-provider's errors keep their status, stable code
 * and safe description; anything else is a generic `server_error`, logged with its cause but never sent
 * (no stack or internal message reaches a client).
 */
export function errorHandler(deps: { logger: Logger; renderHtml: HtmlErrorRenderer }) {
  return async function handleErrors(ctx: Context, next: Next): Promise<void> {
    try {
      await next();
    } catch (caught) {
      let status = 500;
      let code = 'server_error';
      let description = 'An unexpected error occurred. Please try again.';
      let details: unknown;
      const providerError = caught as ProviderLikeError;
      if (caught instanceof AppError) {
        ({ status, code } = caught);
        description = caught.message;
        if (caught instanceof InvalidRequestError) details = caught.details;
      } else if (isDatabaseUnavailable(caught)) {
        status = 503;
        code = 'temporarily_unavailable';
        description = 'The service is temporarily unavailable. Please try again shortly.';
        ctx.set('Retry-After', '5');
      } else if (providerError && typeof providerError.error === 'string' && providerError.expose) {
        status = providerError.status ?? providerError.statusCode ?? 400;
        code = providerError.error;
        description = providerError.error_description ?? code;
      } else if (caught && typeof (caught as { status?: unknown }).status === 'number' && (caught as { status: number }).status < 500 && (caught as { expose?: boolean }).expose) {
        // http-errors thrown by Koa itself (ctx.throw), e.g. malformed URL encoding
        status = (caught as { status: number }).status;
        code = 'invalid_request';
        description = (caught as Error).message;
      }
      if (caught instanceof RateLimitedError) ctx.set('Retry-After', String(caught.retryAfterSeconds));
      if (status === 503) deps.logger.warn({ err: caught, requestId: ctx.state.requestId }, 'database unavailable');
      else if (status >= 500) deps.logger.error({ err: caught, requestId: ctx.state.requestId }, 'request failed');
      else deps.logger.info({ code, status, requestId: ctx.state.requestId }, 'request rejected');
      ctx.status = status;
      if (ctx.accepts('json', 'html') === 'html' && ctx.method === 'GET' || ctx.state.html === true) {
        deps.renderHtml(ctx, status, code, description);
      } else {
        ctx.body = { error: code, error_description: description, ...(details ? { details } : {}) };
      }
    }
  };
}
