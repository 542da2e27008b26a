import Router from '@koa/router';
import type { Context } from 'koa';
import { InvalidRequestError, UnsupportedMediaTypeError } from '../errors/app-error.js';
import { MalformedInputError } from '../errors/malformed-input-error.js';
import { UnknownOperationError } from '../errors/unknown-operation-error.js';
import { errorSurface } from '../http/error-surfaces/surface.js';
import { assertWellFormedJson, decodeUtf8, part } from '../http/malformed-input.js';
import { readRawBody } from '../http/raw-body.js';
import { labelOperation } from '../http/route-label.js';
import { clientAddress } from '../interaction/client-address.js';
import { cognitoCors } from './cognito-cors.js';
import type { CognitoDeps, CognitoOperation } from './cognito-operation.js';
import { confirmForgotPassword } from './confirm-forgot-password.js';
import { confirmSignUp } from './confirm-sign-up.js';
import { forgotPassword } from './forgot-password.js';
import { resendConfirmationCode } from './resend-confirmation-code.js';
import { signUp } from './sign-up.js';

/** Room for a sign-up with every declared attribute; Cognito's requests are a few kilobytes. */
const BODY_LIMIT = 64 * 1024;
const USER_POOL_SERVICE = 'AWSCognitoIdentityProviderService';
/** The AWS JSON protocol's types; plain JSON too, for hand-written clients. */
const JSON_TYPES = ['application/x-amz-json-1.1', 'application/x-amz-json-1.0', 'application/json'];

/** The operations served, by `X-Amz-Target`. */
function operations(deps: CognitoDeps): ReadonlyMap<string, CognitoOperation> {
  return new Map([
    [`${USER_POOL_SERVICE}.SignUp`, signUp(deps)],
    [`${USER_POOL_SERVICE}.ConfirmSignUp`, confirmSignUp(deps)],
    [`${USER_POOL_SERVICE}.ResendConfirmationCode`, resendConfirmationCode(deps)],
    [`${USER_POOL_SERVICE}.ForgotPassword`, forgotPassword(deps)],
    [`${USER_POOL_SERVICE}.ConfirmForgotPassword`, confirmForgotPassword(deps)],
  ]);
}

/** The body as a JSON object: anything else is a SerializationException, a bad value inside it a bad parameter. */
async function readJsonObject(ctx: Context): Promise<Record<string, unknown>> {
  if (!ctx.is(JSON_TYPES)) throw new UnsupportedMediaTypeError('application/x-amz-json-1.1');
  const text = decodeUtf8(await readRawBody(ctx.req, BODY_LIMIT), part('body', 'the body'));
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    throw new MalformedInputError('body', 'malformed JSON', 'the body');
  }
  if (parsed === null || typeof parsed !== 'object' || Array.isArray(parsed)) throw new MalformedInputError('body', 'not a JSON object', 'the body');
  assertWellFormedJson(parsed);
  return parsed as Record<string, unknown>;
}

/**
 * `POST /`: the Cognito user-pool JSON API (AWS JSON 1.1), routed on `X-Amz-Target` only, as AWS routes it,
 * so an unmodified AWS SDK or Amplify pointed at LATCHKEY_ISSUER reaches it. These are the operations
 * Cognito serves without SigV4 (`smithy.api#noAuth`): the self-service ones an app with its own UI needs.
 * Chain: CORS → Cognito error surface → request id → the operation named → validate → work → JSON.
 */
export function cognitoRoutes(deps: CognitoDeps): Router {
  const router = new Router();
  const byTarget = operations(deps);

  async function dispatch(ctx: Context): Promise<void> {
    ctx.set('x-amzn-RequestId', String(ctx.state.requestId));
    ctx.set('Cache-Control', 'no-store');
    const target = ctx.get('X-Amz-Target');
    const operation = byTarget.get(target);
    if (!operation) throw new UnknownOperationError(target || undefined);
    labelOperation(ctx, target.slice(USER_POOL_SERVICE.length + 1));
    const body = await readJsonObject(ctx);
    const address = clientAddress(ctx);
    if (!address) throw new InvalidRequestError('Your network address could not be determined. Try again.');
    const output = await operation.run(body, { address });
    ctx.type = 'application/x-amz-json-1.1';
    ctx.body = JSON.stringify(output);
  }

  // The SDK posts to the endpoint's path plus `/`; Latchkey answers at its origin.
  router.options('/', cognitoCors);
  router.post('/', cognitoCors, errorSurface('cognito'), dispatch);
  return router;
}
