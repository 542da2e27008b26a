import { normalizeIdentifier } from '../directory/normalize.js';
import { InvalidRequestError } from '../errors/app-error.js';
import { actingUser } from './acting-user.js';
import { maskEmail } from './code-delivery.js';
import { cognitoOperation, type CognitoDeps, type CognitoOperation } from './cognito-operation.js';
import { coolingDown } from './confirmation-cool-down.js';
import { getUserAttributeVerificationCodeSchema } from './user-attribute-verification.schema.js';
import { assertVerifiableAttribute } from './verifiable-attribute.js';

/**
 * `GetUserAttributeVerificationCode` for `email`: a new code for the address waiting to be proven, on the
 * account page's codes and cool-downs (one mail a minute, five an hour: LimitExceededException). That is the
 * pending new address when the user asked to change it (UpdateUserAttributes), else the current one.
 */
export function getUserAttributeVerificationCode(deps: CognitoDeps): CognitoOperation {
  return cognitoOperation(getUserAttributeVerificationCodeSchema, async (input) => {
    const { user } = await actingUser(deps, input.AccessToken);
    assertVerifiableAttribute(input.AttributeName);
    const pending = await deps.emailChange.pendingFor(user.id);
    let address: string | null = null;
    if (pending) {
      // The code is bound to the pending address's normalized form, as when the change was asked for.
      const sent = await deps.codes.sendEmailChange(user.id, pending.email, normalizeIdentifier(pending.email));
      if (!sent.sent) throw coolingDown(sent.retryAfterSeconds);
      address = pending.email;
    } else if (user.email) {
      const sent = await deps.codes.sendVerification(user);
      if (!sent.sent) throw coolingDown(sent.retryAfterSeconds);
      address = user.email;
    }
    if (!address) throw new InvalidRequestError('The user has no email attribute.', [{ path: 'AttributeName', message: 'the user has no e-mail address' }]);
    return { CodeDeliveryDetails: { Destination: maskEmail(address), DeliveryMedium: 'EMAIL', AttributeName: 'email' } };
  });
}
