import type { UserRow } from '../../directory/repositories/user.repository.js';
import { userClaims } from '../../oidc/claims.js';

/** Claims that are not user-pool attributes in Cognito (`groups` is a token claim, never an attribute). */
const NOT_ATTRIBUTES = new Set(['groups', 'identities']);

export interface CognitoAttribute {
  Name: string;
  Value: string;
}

/**
 * Cognito's UserStatus for a Latchkey account:
 * - `unconfirmed` → UNCONFIRMED.
 * - `reset_required` → FORCE_CHANGE_PASSWORD while the account has never signed in (an administrator created
 *   it with a temporary password, or none: Latchkey's closest state to Cognito's), RESET_REQUIRED after that
 *   (an administrator required a new password, as AdminResetUserPassword does).
 * - `confirmed` without a password → EXTERNAL_PROVIDER (it signs in only through an upstream provider).
 * - else CONFIRMED.
 */
export function cognitoUserStatus(user: UserRow): string {
  if (user.status === 'unconfirmed') return 'UNCONFIRMED';
  if (user.status === 'reset_required') return user.last_login_at === null ? 'FORCE_CHANGE_PASSWORD' : 'RESET_REQUIRED';
  if (user.password_hash === null) return 'EXTERNAL_PROVIDER';
  return 'CONFIRMED';
}

/** An attribute value as Cognito sends it: always a string (`"true"` for a verified address). */
function attributeValue(value: unknown): string | undefined {
  if (value === undefined || value === null) return undefined;
  if (typeof value === 'string') return value;
  if (typeof value === 'number' || typeof value === 'boolean') return String(value);
  return JSON.stringify(value);
}

/** The user's attributes as Cognito lists them (sub, email, email_verified, profile claims, `custom:*`), optionally only `only`. */
export function cognitoAttributes(user: UserRow, only?: readonly string[]): CognitoAttribute[] {
  const wanted = only ? new Set(only) : undefined;
  return Object.entries(userClaims({ ...user, groups: [] }))
    .filter(([name]) => !NOT_ATTRIBUTES.has(name) && (!wanted || wanted.has(name)))
    .flatMap(([Name, raw]) => {
      const Value = attributeValue(raw);
      return Value === undefined ? [] : [{ Name, Value }];
    });
}

/** The Cognito username: the username, or the sub for an account known only by its e-mail address. */
export const cognitoUsername = (user: UserRow) => user.username ?? user.id;

const epochSeconds = (date: Date) => Math.floor(date.getTime() / 1000);

/** A user as ListUsers and AdminCreateUser present one (`Attributes`); AdminGetUser names them `UserAttributes`. */
export function presentCognitoUser(user: UserRow, only?: readonly string[]) {
  return {
    Username: cognitoUsername(user),
    Attributes: cognitoAttributes(user, only),
    UserCreateDate: epochSeconds(user.created_at),
    UserLastModifiedDate: epochSeconds(user.updated_at),
    Enabled: user.enabled,
    UserStatus: cognitoUserStatus(user),
  };
}
