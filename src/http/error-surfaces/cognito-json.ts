import { AccountStateError } from '../../errors/account-state-error.js';
import { AwsRefusalError } from '../../errors/aws-refusal-error.js';
import { CodeRefusedError } from '../../errors/code-refused-error.js';
import { MalformedInputError } from '../../errors/malformed-input-error.js';
import { UnknownOperationError } from '../../errors/unknown-operation-error.js';
import { UnsupportedOperationError } from '../../errors/unsupported-operation-error.js';
import {
  ConflictError, ExpiredTokenError, ForbiddenError, InvalidRequestError, InvalidTokenError, NotFoundError, PayloadTooLargeError, RateLimitedError,
  ServiceUnavailableError, TooManyAttemptsError, UnauthorizedError, UnsupportedMediaTypeError, type AppError,
} from '../../errors/app-error.js';
import type { ErrorSerializer } from './surface.js';

export interface CognitoError {
  status: number;
  /** The exception name an SDK turns into the error's `name` (Cognito API reference, each operation's Errors). */
  type: string;
  /** Replaces the catalogue's description where Cognito's own wording is what apps and SDKs show. */
  message?: string;
}

/** `RateLimitedError` codes that are a per-account mail cool-down, which Cognito reports as LimitExceeded. */
export const CODE_COOL_DOWN = 'code_cool_down';

/**
 * The Cognito user-pool exception for each catalogued class. Client errors are 400, as Cognito sends them;
 * the SDK reads the name from `x-amzn-ErrorType` (else `__type`), never from the status.
 *
 * - A password-policy refusal is an InvalidRequestError whose every problem is on `password`:
 *   InvalidPasswordException, so apps can show the rules.
 * - The sign-in throttle and the mail cool-down are LimitExceededException ("Attempt limit exceeded"),
 *   other rate limits TooManyRequestsException; the SDK backs off on both.
 * - A code spent by wrong tries is ExpiredCodeException: the remedy is the same, ask for a new code.
 * - ForbiddenError (sign-up closed, a client with a secret, a disabled user) and UnauthorizedError (a wrong
 *   password, a spent Session) are NotAuthorizedException; an unconfirmed account or a required reset, told
 *   after the password, UserNotConfirmedException and PasswordResetRequiredException.
 */
export function cognitoErrorFor(error: AppError): CognitoError {
  if (error instanceof AwsRefusalError) return { status: 400, type: error.awsType };
  if (error instanceof UnknownOperationError) return { status: 400, type: 'UnknownOperationException' };
  if (error instanceof UnsupportedOperationError) return { status: 400, type: 'UnsupportedOperationException' };
  if (error instanceof UnsupportedMediaTypeError) return { status: 400, type: 'SerializationException' };
  // The body as a whole is not JSON (or not an object); a bad value inside it is a bad parameter.
  if (error instanceof MalformedInputError && error.details?.every((d) => d.path === 'body')) return { status: 400, type: 'SerializationException' };
  if (error instanceof PayloadTooLargeError) return { status: 400, type: 'InvalidParameterException' };
  if (error instanceof InvalidRequestError) {
    const onPassword = error.details?.length && error.details.every((d) => d.path === 'password');
    if (onPassword) return { status: 400, type: 'InvalidPasswordException', message: `Password does not conform to policy: ${error.details.map((d) => d.message).join(' ')}` };
    return { status: 400, type: 'InvalidParameterException' };
  }
  if (error instanceof CodeRefusedError) return { status: 400, type: error.kind === 'mismatch' ? 'CodeMismatchException' : 'ExpiredCodeException' };
  if (error instanceof TooManyAttemptsError) return { status: 400, type: 'LimitExceededException', message: 'Attempt limit exceeded, please try after some time.' };
  if (error instanceof RateLimitedError) return { status: 400, type: error.code === CODE_COOL_DOWN ? 'LimitExceededException' : 'TooManyRequestsException' };
  if (error instanceof AccountStateError) return { status: 400, type: error.state === 'unconfirmed' ? 'UserNotConfirmedException' : 'PasswordResetRequiredException' };
  // An access token that is expired, revoked, foreign or garbage: Cognito's words for the first two.
  if (error instanceof ExpiredTokenError) return { status: 400, type: 'NotAuthorizedException', message: 'Access Token has expired' };
  if (error instanceof InvalidTokenError) return { status: 400, type: 'NotAuthorizedException', message: 'Invalid Access Token' };
  if (error instanceof ForbiddenError || error instanceof UnauthorizedError) return { status: 400, type: 'NotAuthorizedException' };
  if (error instanceof NotFoundError) return { status: 400, type: 'ResourceNotFoundException' };
  if (error instanceof ConflictError) return { status: 400, type: 'UsernameExistsException' };
  if (error instanceof ServiceUnavailableError) return { status: 503, type: 'InternalErrorException' };
  if (error.status < 500) return { status: 400, type: 'InvalidParameterException' };
  return { status: 500, type: 'InternalErrorException' };
}

/**
 * The AWS JSON 1.1 error document: `{"__type", "message"}` with the name also in `x-amzn-ErrorType`
 * (the SDK reads the header first, amazon-cognito-identity-js the body), and `x-amzn-RequestId`.
 */
export const cognitoJson: ErrorSerializer = (ctx, error, requestId) => {
  const { status, type, message } = cognitoErrorFor(error);
  ctx.status = status;
  ctx.set('x-amzn-RequestId', requestId);
  ctx.set('x-amzn-ErrorType', type);
  ctx.type = 'application/x-amz-json-1.1';
  ctx.body = JSON.stringify({ __type: type, message: message ?? error.message });
};
