import { PROFILE_CLAIMS } from '../../directory/attributes.js';
import { isEmailShaped } from '../../directory/normalize.js';
import { InvalidRequestError, type FieldProblem } from '../../errors/app-error.js';
import type { CognitoOperation } from '../cognito-operation.js';
import { adminCreateUserRequest, type AdminCreateUserRequest } from './admin.schema.js';
import { adminOperation, type CognitoAdminDeps } from './admin-operation.js';
import { findCognitoUser } from './admin-user-lookup.js';
import { presentCognitoUser } from './cognito-user.presenter.js';

/** What an AdminCreateUser asks the directory to create. */
function readAccount(input: AdminCreateUserRequest) {
  const problems: FieldProblem[] = [];
  const values = new Map<string, string>();
  for (const { Name, Value } of input.UserAttributes ?? []) {
    if (values.has(Name)) problems.push({ path: `UserAttributes.${Name}`, message: 'is given more than once' });
    else if (!['email', 'email_verified', 'phone_number'].includes(Name) && !Name.startsWith('custom:') && !(PROFILE_CLAIMS as readonly string[]).includes(Name)) {
      problems.push({ path: `UserAttributes.${Name.slice(0, 64)}`, message: 'is not an attribute of this pool' });
    }
    values.set(Name, (Value ?? '').trim());
  }
  const name = input.Username.trim();
  // As in a pool with e-mail sign-in: the Username is either the address itself or a username beside it.
  const email = isEmailShaped(name) ? name : values.get('email') || undefined;
  if (email !== undefined && !isEmailShaped(email)) problems.push({ path: 'UserAttributes.email', message: 'is not an e-mail address' });
  if (problems.length) throw new InvalidRequestError(`Attributes did not conform to the schema: ${problems.map((p) => `${p.path}: ${p.message}`).join('; ')}`.slice(0, 500), problems);
  const profile: Record<string, string> = {};
  const customAttributes: Record<string, string> = {};
  for (const [key, value] of values) {
    if (!value || ['email', 'email_verified', 'phone_number', 'preferred_username'].includes(key)) continue;
    if (key.startsWith('custom:')) customAttributes[key.slice('custom:'.length)] = value;
    else profile[key] = value;
  }
  return {
    email, username: isEmailShaped(name) ? undefined : name, emailVerified: values.get('email_verified') === 'true',
    phoneNumber: values.get('phone_number') || undefined, profile, customAttributes,
  };
}

/**
 * AdminCreateUser. The account must choose its own password at its first sign-in, as Cognito's
 * FORCE_CHANGE_PASSWORD: Latchkey's state for that is `reset_required` (the hosted reset page, or
 * AdminSetUserPassword, sets the password and confirms the account). The TemporaryPassword, when given, is
 * stored (policy-checked) so that an administrator may hand it over, and signing in with it answers
 * NEW_PASSWORD_REQUIRED, where the user chooses their own.
 * Latchkey mails no invitation: MessageAction SUPPRESS and the default both send nothing (DesiredDeliveryMediums is
 * accepted and ignored), and RESEND answers the existing user unchanged (UserNotFoundException if there is none).
 */
export function adminCreateUser(deps: CognitoAdminDeps): CognitoOperation {
  return adminOperation(deps, adminCreateUserRequest, async (input) => {
    if (input.MessageAction === 'RESEND') return { User: presentCognitoUser(await findCognitoUser(deps.users, input.Username)) };
    const account = readAccount(input);
    const created = await deps.users.create({ ...account, password: input.TemporaryPassword, status: 'confirmed' });
    // With a TemporaryPassword the first sign-in answers NEW_PASSWORD_REQUIRED; without one, only a reset helps.
    const user = await deps.users.requireReset(created.id, { temporaryPassword: Boolean(input.TemporaryPassword) });
    return { User: presentCognitoUser(user) };
  });
}
