import { AccountStateError } from '../errors/account-state-error.js';
import { ForbiddenError, InvalidRequestError, UnauthorizedError } from '../errors/app-error.js';
import { MAX_PASSWORD_BYTES } from '../directory/password-hasher.js';
import type { AttemptSubject } from '../interaction/login-throttle.js';
import { requireAuthFlow } from './app-client.js';
import { countSignInAttempt } from './sign-in-attempt.js';
import type { CognitoDeps, OperationOutput, OperationRequest } from './cognito-operation.js';
import { newPasswordChallenge } from './new-password-challenge.js';
import { afterPassword } from './proven-sign-in.js';

const INCORRECT = 'Incorrect username or password.';

/**
 * USER_PASSWORD_AUTH: the hosted sign-in's rules, answered in Cognito's words. Find the account the
 * identifier names (username or e-mail) → count the attempt on the account and the address before any argon2
 * work → verify the password (one argon2 whether or not the account exists; audited; a success resets the
 * count in its own write) → the directory's "may act" rule, told only to someone who proved the password
 * (unconfirmed: UserNotConfirmedException; reset required: NEW_PASSWORD_REQUIRED for an administrator's
 * temporary password, NotAuthorizedException once it has expired, else PasswordResetRequiredException; disabled:
 * NotAuthorizedException "User is disabled.") → the second factor or the tokens. A wrong password and an
 * unknown user give the same NotAuthorizedException.
 */
export async function passwordAuth(deps: CognitoDeps, clientId: string, parameters: Record<string, string>, request: OperationRequest): Promise<OperationOutput> {
  const client = await requireAuthFlow(deps.clients, clientId, 'ALLOW_USER_PASSWORD_AUTH', 'USER_PASSWORD_AUTH');
  return passwordSignIn(deps, client.clientId, parameters, request);
}

/** The password sign-in of a client already checked (USER_PASSWORD_AUTH, or AdminInitiateAuth's ADMIN_USER_PASSWORD_AUTH). */
export async function passwordSignIn(deps: CognitoDeps, clientId: string, parameters: Record<string, string>, request: OperationRequest): Promise<OperationOutput> {
  const username = (parameters.USERNAME ?? '').trim();
  const password = parameters.PASSWORD ?? '';
  if (!username || !password) throw new InvalidRequestError('Missing required parameter USERNAME or PASSWORD', [{ path: 'AuthParameters', message: 'USERNAME and PASSWORD are required' }]);
  if (username.length > 254 || Buffer.byteLength(password) > MAX_PASSWORD_BYTES) throw new UnauthorizedError('invalid_credentials', INCORRECT);

  const account = await deps.users.findSignInAccount(username, { withMfaState: true });
  const subject: AttemptSubject = account.user ? { userId: account.user.id } : { identifier: account.identifier };
  await countSignInAttempt(deps, subject, request.address);
  const result = await deps.users.verifyPassword(account, password, { withSuccess: deps.throttle.successStatement(subject, request.address) });
  if (!result.ok) {
    deps.logger.info({ event: 'login.failed', reason: result.reason }, 'login failed');
    deps.metrics.signIn('password', result.reason);
    if (result.reason === 'disabled') throw new ForbiddenError('user_disabled', 'User is disabled.');
    if (result.reason === 'reset_required' && account.user) {
      // The password is proven: an administrator's temporary one leads to choosing a new one.
      const challenge = await newPasswordChallenge(deps, clientId, account.user);
      if (challenge) return challenge;
    }
    if (result.reason === 'unconfirmed' || result.reason === 'reset_required') throw new AccountStateError(result.reason);
    throw new UnauthorizedError('invalid_credentials', INCORRECT);
  }
  deps.logger.info({ event: 'login.succeeded', userId: result.user.id }, 'login succeeded');
  return afterPassword(deps, clientId, result.user, account.mfa);
}
