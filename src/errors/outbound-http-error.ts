import { AppError } from './app-error.js';

/**
 * An outbound HTTP request (to an upstream identity provider, to the object store) that Latchkey refused to
 * make or gave up on. The description is safe to show; which host, address or limit was involved goes to
 * the log-only `detail`, since it may describe the server's own network.
 */
export class OutboundHttpError extends AppError {}

/** 504 `outbound_timeout`: no complete answer (headers and body) within the time allowed. */
export class OutboundTimeoutError extends OutboundHttpError {
  constructor(options: { cause?: unknown; detail?: string } = {}) {
    super(504, 'outbound_timeout', 'an upstream server did not answer in time', options);
  }
}

/** 502 `outbound_response_too_large`: the answer was longer than allowed, and reading stopped there. */
export class OutboundResponseTooLargeError extends OutboundHttpError {
  readonly limitBytes: number;
  constructor(limitBytes: number, options: { detail?: string } = {}) {
    super(502, 'outbound_response_too_large', `an upstream server sent a response larger than ${limitBytes} bytes`, options);
    this.limitBytes = limitBytes;
  }
}

/**
 * 502 `outbound_address_refused`: the URL is not one Latchkey calls (not http/https, or its host is or
 * resolves to a private, loopback, link-local or otherwise non-public address).
 */
export class OutboundAddressRefusedError extends OutboundHttpError {
  constructor(options: { detail?: string } = {}) {
    super(502, 'outbound_address_refused', 'the upstream URL points to an address Latchkey does not call (private, loopback or link-local)', options);
  }
}

/** 502 `outbound_unreachable`: the connection failed (refused, reset, DNS failure, TLS failure). */
export class OutboundUnreachableError extends OutboundHttpError {
  constructor(options: { cause?: unknown; detail?: string } = {}) {
    super(502, 'outbound_unreachable', 'an upstream server could not be reached', options);
  }
}
