import { randomUUID } from 'node:crypto';
import { requirePublicClient } from './app-client.js';
import { codeRefused } from './code-refusal.js';
import { cognitoOperation, type CognitoDeps, type CognitoOperation } from './cognito-operation.js';
import { confirmSignUpSchema } from './confirm-sign-up.schema.js';

/**
 * `ConfirmSignUp`: the mailed code verifies the address and confirms the account in one transaction
 * (AccountCodes.verifyEmail, as the hosted verification page). Counted by the sign-in throttle against
 * the account and the address before the code is looked at, as the hosted page counts it.
 *
 * Whatever the Username names (nobody, or an account that is already confirmed and has no code) the
 * answer to a code that does not fit is CodeMismatchException: never UserNotFoundException, and not
 * Cognito's "Current status is CONFIRMED" either, which would tell a stranger the account exists.
 */
export function confirmSignUp(deps: CognitoDeps): CognitoOperation {
  return cognitoOperation(confirmSignUpSchema, async (input, { address }) => {
    await requirePublicClient(deps.clients, input.ClientId);
    const { identifier, user } = await deps.users.findSignInAccount(input.Username);
    await deps.throttle.attempt(user ? { userId: user.id } : { identifier }, address);
    // For nobody, a stand-in id runs the same statements and finds no account.
    const outcome = await deps.codes.verifyEmail(user?.id ?? randomUUID(), input.ConfirmationCode.trim());
    if (!outcome.ok) throw codeRefused(outcome.reason);
    deps.logger.info({ event: 'cognito.signup.confirmed', userId: outcome.user.id }, 'e-mail verified through the Cognito API; account confirmed');
    return {};
  });
}
