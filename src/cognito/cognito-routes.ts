import Router from '@koa/router';
import type { Context } from 'koa';
import { InvalidRequestError, UnsupportedMediaTypeError } from '../errors/app-error.js';
import { MalformedInputError } from '../errors/malformed-input-error.js';
import { errorSurface } from '../http/error-surfaces/surface.js';
import { assertWellFormedJson, decodeUtf8, part } from '../http/malformed-input.js';
import { readRawBody } from '../http/raw-body.js';
import { labelOperation } from '../http/route-label.js';
import { clientAddress } from '../interaction/client-address.js';
import { refusalForTarget } from './cognito-operation-names.js';
import { cognitoCors } from './cognito-cors.js';
import type { CognitoDeps, CognitoOperation } from './cognito-operation.js';
import { confirmForgotPassword } from './confirm-forgot-password.js';
import { confirmSignUp } from './confirm-sign-up.js';
import { forgotPassword } from './forgot-password.js';
import { resendConfirmationCode } from './resend-confirmation-code.js';
import { signUp } from './sign-up.js';
import { getTokensFromRefreshToken } from './get-tokens-from-refresh-token.js';
import { getUser } from './get-user.js';
import { globalSignOut } from './global-sign-out.js';
import { setUserMfaPreference } from './mfa-preference.js';
import { associateSoftwareToken, verifySoftwareToken } from './software-token.js';
import { initiateAuth } from './initiate-auth.js';
import { respondToAuthChallenge } from './respond-to-auth-challenge.js';
import { revokeToken } from './revoke-token.js';
import { changePassword } from './change-password.js';
import { deleteUser } from './delete-user.js';
import { getUserAttributeVerificationCode } from './get-user-attribute-verification-code.js';
import { updateUserAttributes } from './update-user-attributes.js';
import { verifyUserAttribute } from './verify-user-attribute.js';

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
    [`${USER_POOL_SERVICE}.InitiateAuth`, initiateAuth(deps)],
    [`${USER_POOL_SERVICE}.RespondToAuthChallenge`, respondToAuthChallenge(deps)],
    [`${USER_POOL_SERVICE}.AssociateSoftwareToken`, associateSoftwareToken(deps)],
    [`${USER_POOL_SERVICE}.VerifySoftwareToken`, verifySoftwareToken(deps)],
    [`${USER_POOL_SERVICE}.SetUserMFAPreference`, setUserMfaPreference(deps)],
    [`${USER_POOL_SERVICE}.GetTokensFromRefreshToken`, getTokensFromRefreshToken(deps)],
    [`${USER_POOL_SERVICE}.GetUser`, getUser(deps)],
    [`${USER_POOL_SERVICE}.GlobalSignOut`, globalSignOut(deps)],
    [`${USER_POOL_SERVICE}.RevokeToken`, revokeToken(deps)],
    [`${USER_POOL_SERVICE}.ChangePassword`, changePassword(deps)],
    [`${USER_POOL_SERVICE}.UpdateUserAttributes`, updateUserAttributes(deps)],
    [`${USER_POOL_SERVICE}.GetUserAttributeVerificationCode`, getUserAttributeVerificationCode(deps)],
    [`${USER_POOL_SERVICE}.VerifyUserAttribute`, verifyUserAttribute(deps)],
    [`${USER_POOL_SERVICE}.DeleteUser`, deleteUser(deps)],
  ]);
}

/** The body as a JSON object: anything else is a SerializationException, a bad value inside it a bad parameter. */
function parseJsonObject(raw: Buffer): Record<string, unknown> {
  const text = decodeUtf8(raw, part('body', 'the body'));
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
 * `POST /`: the Cognito user-pool JSON API (AWS JSON 1.1), and the identity pool's when `otherServices` holds
 * its operations, routed on `X-Amz-Target` only, as AWS routes it,
 * so an unmodified AWS SDK or Amplify pointed at LATCHKEY_ISSUER reaches it. Most are the operations
 * Cognito serves without SigV4 (`smithy.api#noAuth`): the self-service ones an app with its own UI needs; an
 * operation with an `authorize` step (the admin ones) has its signature checked over the raw body first.
 * Chain: CORS → Cognito error surface → request id → the operation named → [SigV4] → validate → work → JSON.
 */
export function cognitoRoutes(deps: CognitoDeps, otherServices: ReadonlyMap<string, CognitoOperation> = new Map()): Router {
  const router = new Router();
  // Other Cognito services at the same URL (the identity pool's), each with its own operations table.
  const byTarget = new Map([...operations(deps), ...otherServices]);

  async function dispatch(ctx: Context): Promise<void> {
    ctx.set('x-amzn-RequestId', String(ctx.state.requestId));
    ctx.set('Cache-Control', 'no-store');
    const target = ctx.get('X-Amz-Target');
    const operation = byTarget.get(target);
    if (!operation) throw refusalForTarget(target);
    labelOperation(ctx, target.slice(target.indexOf('.') + 1));
    if (!ctx.is(JSON_TYPES)) throw new UnsupportedMediaTypeError('application/x-amz-json-1.1');
    // Read once: a signed operation's signature is checked over these exact bytes before they are parsed.
    const raw = await readRawBody(ctx.req, BODY_LIMIT);
    if (operation.authorize) await operation.authorize({ method: ctx.method, url: ctx.originalUrl, headers: ctx.headers, body: raw });
    const body = parseJsonObject(raw);
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
