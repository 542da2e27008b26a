import { CodeRefusedError } from '../errors/code-refused-error.js';
import { InvalidRequestError, TooManyAttemptsError, UnauthorizedError } from '../errors/app-error.js';
import { AMR_AFTER } from '../interaction/mfa/mfa-pages.js';
import { requirePublicClient } from './app-client.js';
import { cognitoOperation, type CognitoDeps, type CognitoOperation } from './cognito-operation.js';
import { issueTokens } from './proven-sign-in.js';
import { respondToAuthChallengeSchema } from './respond-to-auth-challenge.schema.js';
import { mfaSetupAnswer } from './mfa-setup-answer.js';
import { newPasswordAnswer } from './new-password-challenge.js';
import { passwordVerifierAnswer } from './srp-auth.js';

const SPENT_SESSION = 'Invalid session for the user, session is expired.';

/**
 * RespondToAuthChallenge for PASSWORD_VERIFIER (USER_SRP_AUTH's answer: srp-auth.ts), MFA_SETUP
 * (mfa-setup-answer.ts), NEW_PASSWORD_REQUIRED (new-password-challenge.ts), and for
 * SOFTWARE_TOKEN_MFA, the hosted MFA step's rules: the Session is spent first
 * (one use, whatever follows), the attempt is counted against the account and the address like a password,
 * then the MFA service checks the code (a TOTP step accepted once, so a replayed code fails like a wrong one;
 * or an unused recovery code), and only then are tokens issued, with `amr` naming both factors.
 */
export function respondToAuthChallenge(deps: CognitoDeps): CognitoOperation {
  return cognitoOperation(respondToAuthChallengeSchema, async (input, request) => {
    if (input.ChallengeName === 'PASSWORD_VERIFIER') return passwordVerifierAnswer(deps, input.ClientId, input.ChallengeResponses, request);
    if (input.ChallengeName === 'MFA_SETUP') return mfaSetupAnswer(deps, input.ClientId, input.Session, input.ChallengeResponses);
    if (input.ChallengeName === 'NEW_PASSWORD_REQUIRED') return newPasswordAnswer(deps, input.ClientId, input.Session, input.ChallengeResponses);
    if (input.ChallengeName !== 'SOFTWARE_TOKEN_MFA') throw new InvalidRequestError(`${input.ChallengeName.slice(0, 64)} challenge is not supported`, [{ path: 'ChallengeName', message: 'must be PASSWORD_VERIFIER, SOFTWARE_TOKEN_MFA, MFA_SETUP or NEW_PASSWORD_REQUIRED' }]);
    const code = (input.ChallengeResponses.SOFTWARE_TOKEN_MFA_CODE ?? '').trim();
    if (!code) throw new InvalidRequestError('Missing required parameter SOFTWARE_TOKEN_MFA_CODE', [{ path: 'ChallengeResponses', message: 'SOFTWARE_TOKEN_MFA_CODE is required' }]);
    // The Session came from a password step (USER_PASSWORD_AUTH or USER_SRP_AUTH) for this client.
    const client = await requirePublicClient(deps.clients, input.ClientId);
    if (!client.authFlows.includes('ALLOW_USER_PASSWORD_AUTH') && !client.authFlows.includes('ALLOW_USER_SRP_AUTH')) throw new InvalidRequestError('USER_PASSWORD_AUTH flow not enabled for this client');
    const userId = await deps.mfaSessions.consume(client.clientId, input.Session);
    if (!userId) throw new UnauthorizedError('invalid_session', SPENT_SESSION);
    // USERNAME, when sent, must name the user the Session was issued to: by username or e-mail, or by `sub`,
    // the USER_ID_FOR_SRP an SRP client signed in as and sends from then on.
    const username = input.ChallengeResponses.USERNAME?.trim();
    if (username && username.toLowerCase() !== userId && (await deps.users.findSignInAccount(username)).user?.id !== userId) throw new UnauthorizedError('invalid_session', SPENT_SESSION);
    try {
      await deps.throttle.attempt({ userId }, request.address);
    } catch (error) {
      if (error instanceof TooManyAttemptsError) deps.metrics.signIn('mfa', 'throttled');
      throw error;
    }
    const result = await deps.mfa.verifySecondFactor(userId, code);
    if (!result.ok) {
      deps.logger.info({ event: 'mfa.failed', userId, reason: result.reason }, 'second factor refused');
      deps.metrics.signIn('mfa', 'invalid_credentials');
      throw new CodeRefusedError('mismatch');
    }
    await deps.throttle.succeeded({ userId }, request.address);
    deps.logger.info({ event: 'mfa.succeeded', userId, method: result.method }, 'second factor accepted');
    deps.metrics.signIn('mfa', 'success');
    return issueTokens(deps, client.clientId, userId, ['pwd', ...AMR_AFTER[result.method]]);
  });
}
