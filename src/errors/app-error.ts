/**
 * The error catalogue: every error that may reach a client is one of these classes. Each has an HTTP
 * status, a stable snake_case `code` that tests, UIs and SDKs rely on, a public description that is safe to
 * show, and an optional log-only `detail` (the underlying reason: a jose error code, a SQLSTATE, an upstream
 * answer) that never leaves the server. Anything that is not an AppError is rendered as a generic
 * `server_error` and logged with its cause (see `http/error-handler.ts`).
 *
 * Serializers per surface (OAuth JSON, AWS XML, hosted page, admin JSON) live in `http/error-surfaces/`;
 * they choose what to send by class (`instanceof`), never by comparing messages.
 */
export class AppError extends Error {
  readonly status: number;
  readonly code: string;
  readonly expose = true;
  /** Log-only: why this happened, for operators. Never rendered. */
  readonly detail: string | undefined;
  constructor(status: number, code: string, description: string, options: { cause?: unknown; detail?: string } = {}) {
    super(description, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = new.target.name;
    this.status = status;
    this.code = code;
    this.detail = options.detail;
  }
}

/** One problem with one input field; `path` names the field as the client sent it. */
export interface FieldProblem {
  path: string;
  message: string;
}

/** 400 `invalid_request`: malformed, missing or out-of-range input. `details` lists the fields. */
export class InvalidRequestError extends AppError {
  readonly details: readonly FieldProblem[] | undefined;
  constructor(description: string, details?: readonly FieldProblem[], options: { detail?: string } = {}) {
    super(400, 'invalid_request', description, options);
    this.details = details;
  }
}

/** 401 `invalid_client`: client authentication failed (RFC 6749 §5.2). */
export class InvalidClientError extends AppError {
  constructor(options: { detail?: string } = {}) {
    super(401, 'invalid_client', 'client authentication failed', options);
  }
}

/** 401 `invalid_token` (RFC 6750 §3.1): the bearer token is malformed, invalid, revoked or of the wrong kind. */
export class InvalidTokenError extends AppError {
  constructor(description = 'the access token is invalid', options: { detail?: string } = {}) {
    super(401, 'invalid_token', description, options);
  }
}

/** An `invalid_token` whose only fault is its age: AWS surfaces it as `ExpiredTokenException`. */
export class ExpiredTokenError extends InvalidTokenError {
  constructor(options: { detail?: string } = {}) {
    super('the access token has expired', options);
  }
}

/** 403 `insufficient_scope` (RFC 6750 §3.1): the token is valid but lacks a scope this endpoint needs. */
export class InsufficientScopeError extends AppError {
  readonly scope: string;
  constructor(scope: string, description = `the access token lacks the "${scope}" scope`) {
    super(403, 'insufficient_scope', description);
    this.scope = scope;
  }
}

/** 403: authenticated, but not allowed. `code` says why (`role_not_allowed`, `no_role`, …). */
export class ForbiddenError extends AppError {
  constructor(code = 'forbidden', description = 'not allowed', options: { detail?: string } = {}) {
    super(403, code, description, options);
  }
}

/** 401 for a request that needs authentication and has none (no more specific class applies). */
export class UnauthorizedError extends AppError {
  constructor(code = 'invalid_token', description = 'authentication required') {
    super(401, code, description);
  }
}

export class NotFoundError extends AppError {
  constructor(description = 'not found') {
    super(404, 'not_found', description);
  }
}

export class ConflictError extends AppError {
  constructor(description: string) {
    super(409, 'conflict', description);
  }
}

/** 400 on a hosted page whose step does not fit the sign-in in progress (`interaction_mismatch`, `wrong_step`, …). */
export class InteractionError extends AppError {
  constructor(code: string, description: string) {
    super(400, code, description);
  }
}

export class CsrfError extends AppError {
  constructor() {
    super(403, 'invalid_csrf_token', 'The form expired or was not sent by this site. Please try again.');
  }
}

export class PayloadTooLargeError extends AppError {
  constructor(limit: number) {
    super(413, 'payload_too_large', `request body exceeds ${limit} bytes`);
  }
}

export class UnsupportedMediaTypeError extends AppError {
  constructor(expected: string) {
    super(415, 'unsupported_media_type', `expected ${expected}`);
  }
}

/** Too many requests in a window; `Retry-After` tells when to come back. */
export class RateLimitedError extends AppError {
  readonly retryAfterSeconds: number;
  constructor(code: string, description: string, retryAfterSeconds: number) {
    super(429, code, description);
    this.retryAfterSeconds = retryAfterSeconds;
  }
}

/** 429 `too_many_attempts`: the sign-in throttle (per account, per account and address, per address) refused. */
export class TooManyAttemptsError extends RateLimitedError {
  constructor(retryAfterSeconds: number) {
    super('too_many_attempts', `Too many sign-in attempts. Try again in ${Math.ceil(retryAfterSeconds / 60)} minute(s).`, retryAfterSeconds);
  }
}

/** 503 `temporarily_unavailable`: a dependency (the database) cannot be reached; retry shortly. */
export class ServiceUnavailableError extends AppError {
  readonly retryAfterSeconds: number;
  constructor(description = 'The service is temporarily unavailable. Please try again shortly.', options: { cause?: unknown; detail?: string; code?: string; retryAfterSeconds?: number } = {}) {
    super(503, options.code ?? 'temporarily_unavailable', description, options);
    this.retryAfterSeconds = options.retryAfterSeconds ?? 5;
  }
}

/** The object store did not answer (down, unreachable, timed out): 503 `sts_unavailable`. */
export class ObjectStoreUnavailableError extends ServiceUnavailableError {
  constructor(description = 'the object store is unavailable; try again later', options: { cause?: unknown; detail?: string } = {}) {
    super(description, { ...options, code: 'sts_unavailable' });
  }
}

/**
 * Mail could not be handed to the SMTP relay (down, unreachable, timed out, refused the message):
 * 503 `mail_unavailable`; the SMTP reason goes to `detail`, never the message or its codes.
 */
export class MailUnavailableError extends ServiceUnavailableError {
  constructor(description = 'mail could not be sent; try again later', options: { cause?: unknown; detail?: string } = {}) {
    super(description, { ...options, code: 'mail_unavailable' });
  }
}

/** The object store answered with an error: 502 `sts_upstream_error`; its error code goes to `detail`. */
export class ObjectStoreRefusedError extends AppError {
  constructor(description = 'the object store refused the request', options: { detail?: string } = {}) {
    super(502, 'sts_upstream_error', description, options);
  }
}

/** What any other failure becomes on the way out: nothing about it is shown. */
export class InternalError extends AppError {
  constructor(cause: unknown) {
    super(500, 'server_error', 'An unexpected error occurred. Please try again.', { cause });
  }
}

/** 405: the path exists, the method does not; `allow` lists the methods it has (RFC 9110 §15.5.6). */
export class MethodNotAllowedError extends AppError {
  readonly allow: readonly string[];
  constructor(allow: readonly string[]) {
    super(405, 'method_not_allowed', `this path accepts ${allow.join(', ')}`);
    this.allow = allow;
  }
}
