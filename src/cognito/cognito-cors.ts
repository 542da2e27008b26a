import type { Context, Next } from 'koa';

/** What browsers may send: the JSON protocol's headers, the SDKs' own, and (for SigV4 operations) Authorization. */
const ALLOWED_HEADERS = [
  'Content-Type', 'X-Amz-Target', 'X-Amz-User-Agent', 'Cache-Control', 'Authorization',
  'X-Amz-Date', 'X-Amz-Security-Token', 'X-Amz-Content-Sha256', 'amz-sdk-invocation-id', 'amz-sdk-request',
].join(', ');
const EXPOSED_HEADERS = 'x-amzn-RequestId, x-amzn-ErrorType, Retry-After';

/**
 * CORS for the Cognito API, from any origin and without credentials, so single-page apps (Amplify,
 * amazon-cognito-identity-js, the SDK in a browser) can call it as they call Cognito.
 *
 * Any origin is safe here because nothing ambient authorizes a request: the API reads no cookie and
 * `Access-Control-Allow-Credentials` is never sent, so a page on another origin can do exactly what any
 * program can do with curl, and these operations are meant to be called by anybody (that is what the
 * throttle, the cool-downs and the enumeration-safe answers are for). Requiring the JSON content type also
 * keeps every cross-origin call behind a preflight.
 */
export async function cognitoCors(ctx: Context, next: Next): Promise<void> {
  ctx.set('Access-Control-Allow-Origin', '*');
  if (ctx.method === 'OPTIONS') {
    ctx.set('Access-Control-Allow-Methods', 'POST, OPTIONS');
    ctx.set('Access-Control-Allow-Headers', ALLOWED_HEADERS);
    ctx.set('Access-Control-Max-Age', '86400');
    ctx.status = 204;
    return;
  }
  ctx.set('Access-Control-Expose-Headers', EXPOSED_HEADERS);
  await next();
}
