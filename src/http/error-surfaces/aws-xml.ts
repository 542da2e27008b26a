import type {
  AppError} from '../../errors/app-error.js';
import { ExpiredTokenError, ForbiddenError, InsufficientScopeError, InvalidRequestError, InvalidTokenError,
  ObjectStoreRefusedError, PayloadTooLargeError, RateLimitedError, ServiceUnavailableError, UnsupportedMediaTypeError,
} from '../../errors/app-error.js';
import type { ErrorSerializer } from './surface.js';

export const STS_NAMESPACE = 'https://sts.amazonaws.com/doc/2011-06-15/';

/** XML text and attribute escaping for the five predefined entities. */
export function escapeXml(value: string): string {
  return value.replace(/[<>&'"]/g, (c) => ({ '<': '&lt;', '>': '&gt;', '&': '&amp;', "'": '&apos;', '"': '&quot;' })[c]!);
}

export interface AwsError {
  status: number;
  code: string;
  type: 'Sender' | 'Receiver';
}

/**
 * The AWS STS error an SDK expects for each catalogued class (AWS STS API reference, "Common Errors" and
 * AssumeRoleWithWebIdentity's errors). SDKs branch on the code: `ExpiredTokenException` makes
 * `fromTokenFile` re-read its token, `Throttling` (HTTP 400, as AWS sends it) triggers their back-off.
 */
export function awsErrorFor(error: AppError): AwsError {
  if (error instanceof ExpiredTokenError) return { status: 400, code: 'ExpiredTokenException', type: 'Sender' };
  if (error instanceof InvalidTokenError) return { status: 400, code: 'InvalidIdentityToken', type: 'Sender' };
  if (error instanceof RateLimitedError) return { status: 400, code: 'Throttling', type: 'Sender' };
  if (error instanceof ServiceUnavailableError) return { status: 503, code: 'ServiceUnavailable', type: 'Receiver' };
  if (error instanceof ObjectStoreRefusedError) return { status: 502, code: 'InternalFailure', type: 'Receiver' };
  if (error instanceof InvalidRequestError || error instanceof UnsupportedMediaTypeError) return { status: 400, code: 'ValidationError', type: 'Sender' };
  if (error instanceof PayloadTooLargeError) return { status: 413, code: 'ValidationError', type: 'Sender' };
  if (error instanceof ForbiddenError || error instanceof InsufficientScopeError) return { status: 403, code: 'AccessDenied', type: 'Sender' };
  if (error.status < 500) return { status: error.status, code: 'InvalidAction', type: 'Sender' };
  return { status: 500, code: 'InternalFailure', type: 'Receiver' };
}

/** AWS query-protocol error document (`ErrorResponse`), with `x-amzn-RequestId` as AWS sends it. */
export const awsXml: ErrorSerializer = (ctx, error, requestId) => {
  const { status, code, type } = awsErrorFor(error);
  ctx.status = status;
  ctx.set('x-amzn-RequestId', requestId);
  ctx.type = 'text/xml';
  ctx.body = `<ErrorResponse xmlns="${STS_NAMESPACE}"><Error><Type>${type}</Type><Code>${code}</Code><Message>${escapeXml(error.message)}</Message></Error><RequestId>${escapeXml(requestId)}</RequestId></ErrorResponse>`;
};
