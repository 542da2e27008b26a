import { InsufficientScopeError, InvalidRequestError, InvalidTokenError } from '../../errors/app-error.js';
import type { ErrorSerializer } from './surface.js';

/**
 * The admin API's envelope: `{ error: { code, message, details?, request_id } }`. The request id lets an
 * operator find the log line that holds the error's log-only detail.
 */
export const adminJson: ErrorSerializer = (ctx, error, requestId) => {
  ctx.status = error.status;
  // RFC 6750 §3: bearer-token failures name themselves in WWW-Authenticate too.
  if (error instanceof InvalidTokenError) ctx.set('WWW-Authenticate', `Bearer error="invalid_token"`);
  else if (error instanceof InsufficientScopeError) ctx.set('WWW-Authenticate', `Bearer error="insufficient_scope", scope="${error.scope}"`);
  ctx.body = {
    error: {
      code: error.code,
      message: error.message,
      ...(error instanceof InvalidRequestError && error.details ? { details: error.details } : {}),
      request_id: requestId,
    },
  };
};
