import { PROFILE_CLAIMS } from '../../directory/attributes.js';
import { isEmailShaped } from '../../directory/normalize.js';
import type { UserRow } from '../../directory/repositories/user.repository.js';
import type { UserChanges } from '../../directory/user-update.js';
import { ConflictError, InvalidRequestError, NotFoundError, type FieldProblem } from '../../errors/app-error.js';
import { AwsRefusalError } from '../../errors/aws-refusal-error.js';
import type { CognitoOperation } from '../cognito-operation.js';
import { adminUpdateUserAttributesRequest, type AdminUpdateUserAttributesRequest } from './admin.schema.js';
import { adminOperation, type CognitoAdminDeps } from './admin-operation.js';
import { findCognitoUser, userNotFound } from './admin-user-lookup.js';

/** Attributes Cognito has that Latchkey keeps elsewhere or not at all: named in the refusal, not called unknown. */
const NOT_CHANGED_HERE: Record<string, string> = {
  sub: 'is immutable',
  username: 'is immutable',
  preferred_username: 'is the username here, which this operation does not change',
  phone_number: 'cannot be changed here (it is set when the user is created)',
  phone_number_verified: 'cannot be set here (Latchkey does not verify phone numbers)',
};

/**
 * The request as one change for the directory. Names the administrator may not set, a name given twice, a
 * value that is not an address or not `true`/`false`, are refused together before anything changes.
 */
function readChanges(attributes: AdminUpdateUserAttributesRequest['UserAttributes'], user: UserRow): UserChanges {
  const problems: FieldProblem[] = [];
  const seen = new Set<string>();
  const profile: Record<string, string> = {};
  const customAttributes: Record<string, string> = {};
  let email: string | undefined;
  let emailVerified: boolean | undefined;
  for (const { Name, Value = '' } of attributes) {
    const path = `UserAttributes.${Name.slice(0, 64)}`;
    const value = Value.trim();
    if (seen.has(Name)) {
      problems.push({ path, message: 'is given more than once' });
      continue;
    }
    seen.add(Name);
    if (Name === 'email') {
      // The address is how the account signs in and recovers: it may be replaced, never removed.
      if (!isEmailShaped(value) || value.length > 254) problems.push({ path, message: value ? 'is not an e-mail address' : 'cannot be removed' });
      else email = value;
    } else if (Name === 'email_verified') {
      if (value !== 'true' && value !== 'false') problems.push({ path, message: 'must be "true" or "false"' });
      else emailVerified = value === 'true';
    } else if (Name.startsWith('custom:')) customAttributes[Name] = Value;
    else if ((PROFILE_CLAIMS as readonly string[]).includes(Name)) profile[Name] = Value;
    else problems.push({ path, message: NOT_CHANGED_HERE[Name] ?? 'is not an attribute of this pool' });
  }
  if (emailVerified !== undefined && email === undefined && !user.email) problems.push({ path: 'UserAttributes.email_verified', message: 'the user has no e-mail address' });
  if (problems.length) throw new InvalidRequestError(`Invalid user attributes: ${problems.map((p) => `${p.path}: ${p.message}`).join('; ')}`.slice(0, 500), problems);
  return { email, emailVerified, profile, customAttributes };
}

/**
 * AdminUpdateUserAttributes: the admin API's user update (the directory's, with the administrator as the
 * actor, audited as `user.updated`), in Cognito's terms. Standard profile claims (an empty value removes one)
 * and declared `custom:NAME` attributes as the pool defines them (an immutable one that has a value, or an
 * undeclared one, is InvalidParameterException). A new `email` replaces the address at once, as in a pool that
 * does not require verification before an update, and is unverified unless the same request sets
 * `email_verified` to `true`; `email_verified` alone marks the current address verified or not. An address
 * another account has is AliasExistsException. ClientMetadata is accepted and dropped.
 */
export function adminUpdateUserAttributes(deps: CognitoAdminDeps): CognitoOperation {
  return adminOperation(deps, adminUpdateUserAttributesRequest, async (input) => {
    const user = await findCognitoUser(deps.users, input.Username);
    const changes = readChanges(input.UserAttributes, user);
    try {
      await deps.users.update(user.id, changes, { actor: 'admin' });
    } catch (error) {
      if (error instanceof ConflictError) throw new AwsRefusalError(400, 'alias_exists', 'AliasExistsException', 'An account with the given email already exists.');
      // Deleted since it was found.
      if (error instanceof NotFoundError) throw userNotFound();
      throw error;
    }
    return {};
  });
}
