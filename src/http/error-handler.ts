import type { Context, Next } from 'koa';
import { RateLimitedError, ServiceUnavailableError } from '../errors/app-error.js';
import type { Logger } from '../lib/logger.js';
import { adminJson } from './error-surfaces/admin-json.js';
import { awsXml } from './error-surfaces/aws-xml.js';
import { cognitoJson } from './error-surfaces/cognito-json.js';
import { oauthJson } from './error-surfaces/oauth-json.js';
import { surfaceFor, type ErrorSerializer } from './error-surfaces/surface.js';
import { toAppError } from './error-surfaces/to-app-error.js';

/**
 * The one place errors become responses. Whatever was thrown is brought into the catalogue
 * (`toAppError`), logged once (4xx at info with the code and the log-only detail; 5xx at error with the
 * cause), and rendered by the serializer of the surface the route declared. No stack, internal message or
 * detail reaches a client.
 */
export function errorHandler(deps: { logger: Logger; renderPage: ErrorSerializer }) {
  const serializers = { oauth: oauthJson, aws: awsXml, admin: adminJson, cognito: cognitoJson, page: deps.renderPage } as const;
  return async function handleErrors(ctx: Context, next: Next): Promise<void> {
    try {
      await next();
    } catch (caught) {
      const error = toAppError(caught);
      const requestId = typeof ctx.state.requestId === 'string' ? ctx.state.requestId : 'unknown';
      const fields = { code: error.code, status: error.status, requestId, ...(error.detail ? { detail: error.detail } : {}) };
      if (error instanceof ServiceUnavailableError) deps.logger.warn({ ...fields, err: error.cause ?? error }, 'dependency unavailable');
      else if (error.status >= 500) deps.logger.error({ ...fields, err: error.cause ?? error }, 'request failed');
      else deps.logger.info(fields, 'request rejected');
      if (error instanceof RateLimitedError || error instanceof ServiceUnavailableError) ctx.set('Retry-After', String(error.retryAfterSeconds));
      serializers[surfaceFor(ctx)](ctx, error, requestId);
    }
  };
}
