import { AwsRefusalError } from '../errors/aws-refusal-error.js';
import { ConflictError, InvalidRequestError, InvalidTokenError, TooManyAttemptsError, UnauthorizedError } from '../errors/app-error.js';
import { cognitoOperation, type CognitoDeps, type CognitoOperation, type OperationRequest } from './cognito-operation.js';
import { associateSoftwareTokenSchema, verifySoftwareTokenSchema } from './software-token.schema.js';
import { tokenUser } from './token-user.js';

const SPENT_SESSION = 'Invalid session for the user, session is expired.';

/** Who is enrolling: the user an access token names, or the user (and app) of an MFA_SETUP Session, spent here. */
type Enroller = { userId: string; setupClientId?: string };

async function enroller(deps: CognitoDeps, input: { AccessToken?: string; Session?: string }): Promise<Enroller> {
  if (input.AccessToken !== undefined) return { userId: (await tokenUser(deps, input.AccessToken)).userId };
  const named = await deps.mfaSessions.consumeAnyClient(input.Session ?? '', 'setup');
  if (!named) throw new UnauthorizedError('invalid_session', SPENT_SESSION);
  return { userId: named.userId, setupClientId: named.clientId };
}

/** The next MFA_SETUP Session, when the enrolment runs inside that challenge. */
async function nextSession(deps: CognitoDeps, who: Enroller, step: 'setup' | 'setup_verified'): Promise<{ Session?: string }> {
  return who.setupClientId ? { Session: await deps.mfaSessions.issue(who.setupClientId, who.userId, step) } : {};
}

/**
 * AssociateSoftwareToken: the account page's enrolment (MfaService.beginEnrolment). The secret is pending,
 * and inactive until VerifySoftwareToken; an unfinished enrolment resumes with the same secret. Refused where
 * the pool's MFA mode is `off` (Cognito's SoftwareTokenMFANotFoundException) and for a user whose
 * authenticator is already active: Latchkey keeps one, and turning it off (SetUserMFAPreference) comes first.
 */
export function associateSoftwareToken(deps: CognitoDeps): CognitoOperation {
  return cognitoOperation(associateSoftwareTokenSchema, async (input) => {
    const who = await enroller(deps, input);
    const user = await deps.users.findActingUser(who.userId);
    if (!user) throw who.setupClientId ? new UnauthorizedError('invalid_session', SPENT_SESSION) : new InvalidTokenError('the access token user may no longer act');
    if ((await deps.mfa.mode()) === 'off') {
      throw new AwsRefusalError(400, 'mfa_unavailable', 'SoftwareTokenMFANotFoundException', 'Software token MFA is not enabled for this user pool.');
    }
    let secret: string;
    try {
      ({ secret } = await deps.mfa.beginEnrolment(user));
    } catch (error) {
      if (error instanceof ConflictError) throw new InvalidRequestError('An authenticator is already set up for this user. Turn it off with SetUserMFAPreference before setting up another.');
      throw error;
    }
    deps.logger.info({ event: 'mfa.enrolment_started', userId: user.id, at: 'cognito' }, 'authenticator enrolment started');
    return { SecretCode: secret, ...(await nextSession(deps, who, 'setup')) };
  });
}

/**
 * VerifySoftwareToken: the first code activates the pending authenticator (MfaService.confirmEnrolment, which
 * also issues the recovery codes: Cognito has no place for them, so they are not in the answer; the account
 * page makes new ones). Each try counts against the user and the address, as a sign-in code does. A wrong code
 * is EnableSoftwareTokenMFAException "Code mismatch", as Cognito answers, and spends an MFA_SETUP Session;
 * a right one answers SUCCESS, with the Session that RespondToAuthChallenge MFA_SETUP takes.
 */
export function verifySoftwareToken(deps: CognitoDeps): CognitoOperation {
  return cognitoOperation(verifySoftwareTokenSchema, async (input, request: OperationRequest) => {
    const who = await enroller(deps, input);
    try {
      await deps.throttle.attempt({ userId: who.userId }, request.address);
    } catch (error) {
      if (error instanceof TooManyAttemptsError) deps.logger.warn({ event: 'mfa.enrolment_throttled', userId: who.userId }, 'enrolment attempts throttled');
      throw error;
    }
    const outcome = await deps.mfa.confirmEnrolment(who.userId, input.UserCode.trim());
    if (!outcome.ok) {
      deps.logger.info({ event: 'mfa.enrolment_failed', userId: who.userId, at: 'cognito' }, 'enrolment code refused');
      throw new AwsRefusalError(400, 'invalid_code', 'EnableSoftwareTokenMFAException', 'Code mismatch');
    }
    await deps.throttle.succeeded({ userId: who.userId }, request.address);
    deps.logger.info({ event: 'mfa.enrolled', userId: who.userId, at: 'cognito' }, 'authenticator enrolled');
    return { Status: 'SUCCESS', ...(await nextSession(deps, who, 'setup_verified')) };
  });
}
