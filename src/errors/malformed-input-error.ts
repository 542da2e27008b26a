import { InvalidRequestError } from './app-error.js';

/**
 * 400 `invalid_request` for input that is not well-formed text: invalid percent-encoding, bytes that are not
 * UTF-8, lone surrogates, or control characters where a field allows none (see `http/malformed-input.ts`).
 * A subclass so a surface may treat it apart from other bad requests; its code stays `invalid_request`.
 */
export class MalformedInputError extends InvalidRequestError {
  /**
   * `field` names the field as the client sent it (or the part of the request: `path`, `query`, `body`,
   * `authorization`); `problem` says what is wrong. Neither ever holds the offending value.
   */
  constructor(field: string, problem: string, subject = `field "${field}"`) {
    super(`${problem} in ${subject}`, [{ path: field, message: problem }]);
  }
}
