/**
 * Errors that may reach a client. Each has an HTTP status, a stable snake_case `code` that tests and UIs
 * rely on, and a description that is safe to show. Anything that is not an AppError is rendered as a
 * generic `server_error` and logged with its cause (see `http/error-handler.ts`).
 */
export class AppError extends Error {
  readonly status: number;
  readonly code: string;
  readonly expose = true;
  constructor(status: number, code: string, description: string, options?: { cause?: unknown }) {
    super(description, options);
    this.name = new.target.name;
    this.status = status;
    this.code = code;
  }
}

export class InvalidRequestError extends AppError {
  readonly details: readonly { path: string; message: string }[] | undefined;
  constructor(description: string, details?: readonly { path: string; message: string }[]) {
    super(400, 'invalid_request', description);
    this.details = details;
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

export class UnauthorizedError extends AppError {
  constructor(code = 'invalid_token', description = 'authentication required') {
    super(401, code, description);
  }
}

export class ForbiddenError extends AppError {
  constructor(code = 'forbidden', description = 'not allowed') {
    super(403, code, description);
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
