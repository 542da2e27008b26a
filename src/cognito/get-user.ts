import { InvalidTokenError } from '../errors/app-error.js';
import { userClaims } from '../oidc/claims.js';
import { accessTokenSchema } from './access-token.schema.js';
import { cognitoOperation, type CognitoDeps, type CognitoOperation } from './cognito-operation.js';
import { tokenUser } from './token-user.js';

/** Claims that are not user-pool attributes in Cognito (`groups` is `cognito:groups` in tokens, never an attribute). */
const NOT_ATTRIBUTES = new Set(['groups', 'identities']);

/** An attribute value as Cognito sends it: always a string (`"true"` for a verified address). */
function attributeValue(value: unknown): string | undefined {
  if (value === undefined || value === null) return undefined;
  if (typeof value === 'string') return value;
  if (typeof value === 'number' || typeof value === 'boolean') return String(value);
  return JSON.stringify(value);
}

/**
 * GetUser: the user the access token names, as Cognito lists them: Username, UserAttributes (sub, email,
 * email_verified, the profile claims, `custom:*`), and the second factors set up.
 */
export function getUser(deps: CognitoDeps): CognitoOperation {
  return cognitoOperation(accessTokenSchema, async (input) => {
    const { userId } = await tokenUser(deps, input.AccessToken);
    const user = await deps.users.findActingUser(userId);
    if (!user) throw new InvalidTokenError('the access token user may no longer act');
    const attributes = Object.entries(userClaims(user))
      .filter(([name]) => !NOT_ATTRIBUTES.has(name))
      .flatMap(([Name, raw]) => {
        const Value = attributeValue(raw);
        return Value === undefined ? [] : [{ Name, Value }];
      });
    const status = await deps.mfa.status(userId);
    const mfa = status.enrolled ? ['SOFTWARE_TOKEN_MFA'] : [];
    return {
      Username: user.username ?? user.id,
      UserAttributes: attributes,
      ...(mfa.length ? { UserMFASettingList: mfa, PreferredMfaSetting: 'SOFTWARE_TOKEN_MFA' } : {}),
    };
  });
}
