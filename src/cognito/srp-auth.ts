import { accountRefusal } from '../directory/account-state.js';
import { AccountStateError } from '../errors/account-state-error.js';
import { ForbiddenError, InvalidRequestError, UnauthorizedError } from '../errors/app-error.js';
import type { AttemptSubject } from '../interaction/login-throttle.js';
import { isUuid } from '../lib/uuid.js';
import { requireAuthFlow } from './app-client.js';
import { countSignInAttempt } from './sign-in-attempt.js';
import type { CognitoDeps, OperationOutput, OperationRequest } from './cognito-operation.js';
import { newPasswordChallenge } from './new-password-challenge.js';
import { afterPassword } from './proven-sign-in.js';

const INCORRECT = 'Incorrect username or password.';

/**
 * InitiateAuth USER_SRP_AUTH: the PASSWORD_VERIFIER challenge for USERNAME (username or e-mail) and SRP_A.
 * Nothing is counted here (no password is checked); a name with no account gets a stand-in challenge that
 * fails at the answer like a wrong password. The Session is the SECRET_BLOCK again: clients echo both.
 */
export async function srpAuth(deps: CognitoDeps, clientId: string, parameters: Record<string, string>): Promise<OperationOutput> {
  const client = await requireAuthFlow(deps.clients, clientId, 'ALLOW_USER_SRP_AUTH', 'USER_SRP_AUTH');
  const username = (parameters.USERNAME ?? '').trim();
  const A = parameters.SRP_A ?? '';
  if (!username || !A) throw new InvalidRequestError('Missing required parameter USERNAME or SRP_A', [{ path: 'AuthParameters', message: 'USERNAME and SRP_A are required' }]);
  const account = await deps.users.findSignInAccount(username.slice(0, 254));
  const challenge = await deps.srp.startSrp({ username, user: account.user, clientId: client.clientId, A });
  return { ...challenge, Session: challenge.ChallengeParameters.SECRET_BLOCK };
}

/**
 * RespondToAuthChallenge PASSWORD_VERIFIER: the attempt is counted against the user USERNAME names (the
 * USER_ID_FOR_SRP, their `sub`) and the address before the claim is checked; the claim spends its challenge;
 * then the hosted sign-in's rules, as after USER_PASSWORD_AUTH: the "may act" rule told only to someone who
 * proved the password, the second factor, the tokens.
 */
export async function passwordVerifierAnswer(deps: CognitoDeps, clientId: string, responses: Record<string, string>, request: OperationRequest): Promise<OperationOutput> {
  const client = await requireAuthFlow(deps.clients, clientId, 'ALLOW_USER_SRP_AUTH', 'USER_SRP_AUTH');
  const userIdForSrp = (responses.USERNAME ?? '').trim();
  const secretBlock = responses.PASSWORD_CLAIM_SECRET_BLOCK ?? '';
  const signature = responses.PASSWORD_CLAIM_SIGNATURE ?? '';
  const timestamp = responses.TIMESTAMP ?? '';
  if (!userIdForSrp || !secretBlock || !signature || !timestamp) {
    throw new InvalidRequestError('Missing required parameter USERNAME, PASSWORD_CLAIM_SECRET_BLOCK, PASSWORD_CLAIM_SIGNATURE or TIMESTAMP', [{ path: 'ChallengeResponses', message: 'USERNAME, PASSWORD_CLAIM_SECRET_BLOCK, PASSWORD_CLAIM_SIGNATURE and TIMESTAMP are required' }]);
  }
  const named = isUuid(userIdForSrp) ? await deps.users.findById(userIdForSrp) : undefined;
  const subject: AttemptSubject = named ? { userId: named.id } : { identifier: userIdForSrp.slice(0, 254) };
  await countSignInAttempt(deps, subject, request.address);
  const result = await deps.srp.verifyPasswordClaim({ secretBlock, userIdForSrp, timestamp, signature, clientId: client.clientId });
  // The claim names the user by sub, read above for the throttle: read again only if it named another.
  const user = !result.ok ? undefined : named?.id === result.userId ? named : await deps.users.findById(result.userId);
  if (!user) {
    deps.logger.info({ event: 'login.failed', reason: 'invalid_credentials', method: 'srp' }, 'login failed');
    deps.metrics.signIn('password', 'invalid_credentials');
    throw new UnauthorizedError('invalid_credentials', INCORRECT);
  }
  const refusal = accountRefusal(user);
  if (refusal) {
    deps.logger.info({ event: 'login.failed', reason: refusal, method: 'srp' }, 'login failed');
    deps.metrics.signIn('password', refusal);
    if (refusal === 'disabled') throw new ForbiddenError('user_disabled', 'User is disabled.');
    if (refusal === 'reset_required') {
      const challenge = await newPasswordChallenge(deps, client.clientId, user);
      if (challenge) {
        await deps.throttle.succeeded(subject, request.address);
        return challenge;
      }
    }
    throw new AccountStateError(refusal);
  }
  await deps.throttle.succeeded(subject, request.address);
  deps.logger.info({ event: 'login.succeeded', userId: user.id, method: 'srp' }, 'login succeeded');
  return afterPassword(deps, client.clientId, user);
}
