import { randomUUID } from 'node:crypto';
import { CodeRefusedError } from '../errors/code-refused-error.js';
import { requirePublicClient } from './app-client.js';
import { cognitoOperation, type CognitoDeps, type CognitoOperation } from './cognito-operation.js';
import { confirmSignUpSchema } from './confirm-sign-up.schema.js';

/**
 * `ConfirmSignUp`: the mailed code verifies the address and confirms the account in one transaction
 * (AccountCodes.verifyEmail, as the hosted verification page). Counted by the sign-in throttle against
 * the account and the address before the code is looked at, as the hosted page counts it.
 *
 * Every refusal is CodeMismatchException, whatever the Username names: never UserNotFoundException, nor
 * Cognito's "Current status is CONFIRMED", nor ExpiredCodeException. A sign-up with an address that has an
 * account leaves no code behind (see sign-up.ts), so "expired" or "too many wrong codes" could only ever be
 * said of a sign-up that created an account: a stranger could sign up with an address, guess six times and
 * learn whether it was taken. (ConfirmForgotPassword may say them: ForgotPassword leaves a stand-in code
 * for a name without an account, so there both answers come alike.)
 */
export function confirmSignUp(deps: CognitoDeps): CognitoOperation {
  return cognitoOperation(confirmSignUpSchema, async (input, { address }) => {
    await requirePublicClient(deps.clients, input.ClientId);
    const { identifier, user } = await deps.users.findSignInAccount(input.Username);
    await deps.throttle.attempt(user ? { userId: user.id } : { identifier }, address);
    // For nobody, a stand-in id runs the same statements and finds no account.
    const outcome = await deps.codes.verifyEmail(user?.id ?? randomUUID(), input.ConfirmationCode.trim());
    if (!outcome.ok) throw new CodeRefusedError('mismatch');
    deps.logger.info({ event: 'cognito.signup.confirmed', userId: outcome.user.id }, 'e-mail verified through the Cognito API; account confirmed');
    return {};
  });
}
