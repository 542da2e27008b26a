import { requirePublicClient } from './app-client.js';
import { emailDelivery } from './code-delivery.js';
import { cognitoOperation, type CognitoDeps, type CognitoOperation } from './cognito-operation.js';
import { forgotPasswordSchema } from './forgot-password.schema.js';
import { resetSubject } from './reset-subject.js';

/**
 * `ForgotPassword`: AccountCodes.requestReset, which does the same work whether or not the Username names
 * an account that can be reset and mails a code only when it does (at most one a minute, five an hour,
 * silently). The answer is the same either way: CodeDeliveryDetails masked from the Username when it is
 * an address, else a fixed stand-in, never the account's real address.
 */
export function forgotPassword(deps: CognitoDeps): CognitoOperation {
  return cognitoOperation(forgotPasswordSchema, async (input, { address }) => {
    await requirePublicClient(deps.clients, input.ClientId);
    const username = input.Username.trim();
    await deps.throttle.attempt(resetSubject(username), address);
    await deps.codes.requestReset(username);
    return { CodeDeliveryDetails: emailDelivery(username) };
  });
}
