import { ConflictError } from '../errors/app-error.js';
import { AwsRefusalError } from '../errors/aws-refusal-error.js';
import { actingUser } from './acting-user.js';
import { codeRefused } from './code-refusal.js';
import { cognitoOperation, type CognitoDeps, type CognitoOperation } from './cognito-operation.js';
import { verifyUserAttributeSchema } from './user-attribute-verification.schema.js';
import { assertVerifiableAttribute } from './verifiable-attribute.js';

/**
 * `VerifyUserAttribute` for `email`, on the account page's codes (HMAC at rest, consumed once in the
 * transaction of their effect, attempts limited): with a change pending, the right code makes the new
 * address the account's, verified; otherwise it proves the current address. A wrong code is
 * CodeMismatchException, an expired or spent one ExpiredCodeException; an address another account took
 * meanwhile is AliasExistsException, as Cognito names it.
 */
export function verifyUserAttribute(deps: CognitoDeps): CognitoOperation {
  return cognitoOperation(verifyUserAttributeSchema, async (input) => {
    const { user } = await actingUser(deps, input.AccessToken);
    assertVerifiableAttribute(input.AttributeName);
    const code = input.Code.trim();
    const pending = await deps.emailChange.pendingFor(user.id);
    let outcome;
    try {
      outcome = pending ? await deps.codes.confirmEmailChange(user.id, code) : await deps.codes.verifyEmail(user.id, code);
    } catch (error) {
      if (error instanceof ConflictError) throw new AwsRefusalError(400, 'alias_exists', 'AliasExistsException', 'An account with the given email already exists.');
      throw error;
    }
    if (!outcome.ok) throw codeRefused(outcome.reason);
    deps.logger.info({ event: pending ? 'cognito.email_changed' : 'cognito.email_verified', userId: user.id }, 'address verified through the Cognito API');
    return {};
  });
}
