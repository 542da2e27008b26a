import { normalizeIdentifier } from '../directory/normalize.js';
import { requirePublicClient } from './app-client.js';
import { emailDelivery } from './code-delivery.js';
import { cognitoOperation, type CognitoDeps, type CognitoOperation } from './cognito-operation.js';
import { coolingDown, createConfirmationCoolDown } from './confirmation-cool-down.js';
import { resendConfirmationCodeSchema } from './resend-confirmation-code.schema.js';

/**
 * `ResendConfirmationCode`: a new code for an account still waiting for confirmation, within the
 * cool-down (one a minute, five an hour: LimitExceededException). Any other name (nobody, or a confirmed
 * account) is answered as if a code went out, under the same cool-down, and nothing is mailed. The
 * destination is masked from the Username when it is an address, else a fixed stand-in (see code-delivery.ts).
 */
export function resendConfirmationCode(deps: CognitoDeps): CognitoOperation {
  const coolDown = createConfirmationCoolDown(deps.counters);
  return cognitoOperation(resendConfirmationCodeSchema, async (input, { address }) => {
    await requirePublicClient(deps.clients, input.ClientId);
    await deps.throttle.attempt({ identifier: `resend:${normalizeIdentifier(input.Username)}` }, address);
    await coolDown.claim(input.Username);
    const { user } = await deps.users.findSignInAccount(input.Username);
    if (user?.status === 'unconfirmed' && user.enabled && user.email) {
      const sent = await deps.codes.sendVerification(user);
      // The account's own cool-down (a code asked for under another of its names, or on the hosted page).
      if (!sent.sent) throw coolingDown(sent.retryAfterSeconds);
    }
    return { CodeDeliveryDetails: emailDelivery(input.Username) };
  });
}
