import { isEmailShaped, normalizeIdentifier } from '../directory/normalize.js';
import { InvalidRequestError, type FieldProblem } from '../errors/app-error.js';
import { actingUser } from './acting-user.js';
import { maskEmail, type CodeDeliveryDetails } from './code-delivery.js';
import { cognitoOperation, type CognitoDeps, type CognitoOperation } from './cognito-operation.js';
import { coolingDown } from './confirmation-cool-down.js';
import { isUserSettableAttribute } from './sign-up-attributes.js';
import { updateUserAttributesSchema, type UpdateUserAttributesRequest } from './update-user-attributes.schema.js';

/** The request split as the directory takes it; `email` only when it differs from the current address. */
interface AttributeChanges {
  profile: Record<string, string>;
  customAttributes: Record<string, string>;
  email: string | undefined;
}

/** Names a user may not set (or sets twice) are refused together, before anything is changed. */
function readChanges(attributes: UpdateUserAttributesRequest['UserAttributes'], currentEmail: string | null): AttributeChanges {
  const problems: FieldProblem[] = [];
  const seen = new Set<string>();
  const changes: AttributeChanges = { profile: {}, customAttributes: {}, email: undefined };
  for (const { Name, Value } of attributes) {
    const path = `UserAttributes.${Name.slice(0, 64)}`;
    if (seen.has(Name)) problems.push({ path, message: 'is given more than once' });
    else if (!isUserSettableAttribute(Name)) problems.push({ path, message: 'is not an attribute a user may change' });
    seen.add(Name);
    if (Name === 'email') {
      const email = Value.trim();
      if (!isEmailShaped(email) || email.length > 254) problems.push({ path, message: 'is not an e-mail address' });
      else if (!currentEmail || normalizeIdentifier(currentEmail) !== normalizeIdentifier(email)) changes.email = email;
    } else if (Name.startsWith('custom:')) changes.customAttributes[Name] = Value;
    else changes.profile[Name] = Value;
  }
  if (problems.length) throw new InvalidRequestError(`Invalid user attributes: ${problems.map((p) => `${p.path}: ${p.message}`).join('; ')}`.slice(0, 500), problems);
  return changes;
}

/**
 * `UpdateUserAttributes`: the account page's profile save and address change for the user the access token
 * names. Profile claims and declared `custom:NAME` attributes go through the directory's update with the user
 * as the actor (an empty value removes a profile claim; an immutable attribute that has a value, or an
 * undeclared one, is InvalidParameterException). A new `email` is only recorded as pending, and a code is
 * mailed to it (within the account's cool-down): the current address stays in force until
 * VerifyUserAttribute brings the code back, as Cognito does with "keep original attribute value active".
 */
export function updateUserAttributes(deps: CognitoDeps): CognitoOperation {
  return cognitoOperation(updateUserAttributesSchema, async (input) => {
    const { user } = await actingUser(deps, input.AccessToken);
    const changes = readChanges(input.UserAttributes, user.email);
    if (Object.keys(changes.profile).length || Object.keys(changes.customAttributes).length) {
      await deps.users.update(user.id, { profile: changes.profile, customAttributes: changes.customAttributes }, { actor: 'user' });
      deps.logger.info({ event: 'cognito.attributes_updated', userId: user.id }, 'attributes updated through the Cognito API');
    }
    const deliveries: CodeDeliveryDetails[] = [];
    if (changes.email) {
      const requested = await deps.emailChange.request(user.id, changes.email);
      const sent = await deps.codes.sendEmailChange(user.id, requested.email, requested.normalized);
      if (!sent.sent) throw coolingDown(sent.retryAfterSeconds);
      deliveries.push({ Destination: maskEmail(requested.email), DeliveryMedium: 'EMAIL', AttributeName: 'email' });
    }
    return { CodeDeliveryDetailsList: deliveries };
  });
}
