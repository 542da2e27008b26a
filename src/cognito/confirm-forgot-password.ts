import { isEmailShaped } from '../directory/normalize.js';
import { assertPasswordAllowed } from '../directory/password-policy.js';
import { requirePublicClient } from './app-client.js';
import { codeRefused } from './code-refusal.js';
import { cognitoOperation, type CognitoDeps, type CognitoOperation } from './cognito-operation.js';
import { confirmForgotPasswordSchema } from './confirm-forgot-password.schema.js';
import { resetSubject } from './reset-subject.js';

/**
 * `ConfirmForgotPassword`: the right code sets the new password and signs the user out everywhere (every
 * session, refresh token and storage credential) in one transaction, then a notice is mailed
 * (AccountCodes.resetPassword, as the hosted reset page).
 *
 * The password policy is checked against the name as typed before anything is looked up, so a weak
 * password is InvalidPasswordException for every name, not only for ones with an account; a code that
 * does not fit is CodeMismatchException whether or not the name has an account.
 */
export function confirmForgotPassword(deps: CognitoDeps): CognitoOperation {
  return cognitoOperation(confirmForgotPasswordSchema, async (input, { address }) => {
    await requirePublicClient(deps.clients, input.ClientId);
    const username = input.Username.trim();
    const typed = isEmailShaped(username) ? { email: username } : { username };
    assertPasswordAllowed(await deps.policy.current(), input.Password, typed);
    await deps.throttle.attempt(resetSubject(username), address);
    const outcome = await deps.codes.resetPassword(username, input.ConfirmationCode.trim(), input.Password);
    if (!outcome.ok) throw codeRefused(outcome.reason);
    deps.logger.info({ event: 'cognito.reset.completed', userId: outcome.user.id }, 'password reset through the Cognito API');
    return {};
  });
}
