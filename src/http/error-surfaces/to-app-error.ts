import { isDatabaseUnavailable } from '../../db/database.js';
import { AppError, InternalError, InvalidRequestError, ServiceUnavailableError } from '../../errors/app-error.js';

interface ProviderLikeError {
  status?: unknown;
  statusCode?: unknown;
  error?: unknown;
  error_description?: unknown;
  expose?: unknown;
  message?: unknown;
}

/**
 * Brings anything thrown into the catalogue: AppErrors as they are; oidc-provider's exposed errors
 * (`SessionNotFound`, `InvalidRequest`, …) with their own status and code; Koa's client errors
 * (`ctx.throw(400)`, malformed URL encoding) as `invalid_request`; an unreachable database as 503; and
 * everything else as an InternalError that carries the original as its cause, for the log only.
 */
export function toAppError(caught: unknown): AppError {
  if (caught instanceof AppError) return caught;
  if (isDatabaseUnavailable(caught)) return new ServiceUnavailableError(undefined, { cause: caught });
  const e = (caught ?? {}) as ProviderLikeError;
  const status = typeof e.status === 'number' ? e.status : typeof e.statusCode === 'number' ? e.statusCode : 500;
  if (e.expose === true && status >= 400 && status < 500) {
    if (typeof e.error === 'string') {
      const description = typeof e.error_description === 'string' ? e.error_description : e.error;
      return new AppError(status, e.error, description, { cause: caught });
    }
    return new InvalidRequestError(typeof e.message === 'string' ? e.message : 'invalid request');
  }
  return new InternalError(caught);
}
