import { InsufficientScopeError, InvalidClientError, InvalidRequestError, InvalidTokenError } from '../../errors/app-error.js';
import type { ErrorSerializer } from './surface.js';

/** `"` cannot appear inside an auth-param quoted string without escaping (RFC 9110 §5.6.4); keep it simple. */
const quoted = (value: string) => value.replace(/["\\]/g, "'");

/**
 * OAuth 2.0 error JSON: `{ error, error_description }` (RFC 6749 §5.2). Bearer-token errors also travel in
 * `WWW-Authenticate` (RFC 6750 §3); failed client authentication asks for Basic (RFC 6749 §5.2).
 */
export const oauthJson: ErrorSerializer = (ctx, error) => {
  ctx.status = error.status;
  if (error instanceof InvalidTokenError || error instanceof InsufficientScopeError) {
    ctx.set('WWW-Authenticate', `Bearer error="${error.code}", error_description="${quoted(error.message)}"`);
  } else if (error instanceof InvalidClientError) {
    ctx.set('WWW-Authenticate', 'Basic realm="latchkey"');
  }
  ctx.body = {
    error: error.code,
    error_description: error.message,
    ...(error instanceof InvalidRequestError && error.details ? { details: error.details } : {}),
  };
};
