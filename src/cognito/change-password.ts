import { ConflictError, InvalidRequestError, UnauthorizedError } from '../errors/app-error.js';
import { actingUser } from './acting-user.js';
import { changePasswordSchema } from './change-password.schema.js';
import { cognitoOperation, type CognitoDeps, type CognitoOperation } from './cognito-operation.js';

const INCORRECT = 'Incorrect username or password.';

/**
 * `ChangePassword`: the account page's password change for the user the access token names. The attempt
 * is counted on the account before any argon2 work (the sign-in throttle: guessing the previous password
 * with a stolen access token is guessing a password); the directory then checks the previous password and
 * the policy, stores the new hash (and its SRP verifier) and signs the user out everywhere in one
 * transaction, so the refresh tokens and this access token end with the old password. A notice is mailed.
 */
export function changePassword(deps: CognitoDeps): CognitoOperation {
  return cognitoOperation(changePasswordSchema, async (input, { address }) => {
    const { user } = await actingUser(deps, input.AccessToken);
    const userId = user.id;
    await deps.throttle.attempt({ userId }, address);
    try {
      await deps.users.changePassword(userId, input.PreviousPassword, input.ProposedPassword);
    } catch (error) {
      // A wrong previous password (or none: an account that signs in through a provider) reads as at sign-in.
      if (error instanceof InvalidRequestError && error.details?.some((d) => d.path === 'current_password')) throw new UnauthorizedError('invalid_credentials', INCORRECT);
      if (error instanceof ConflictError) throw new UnauthorizedError('password_changed', 'The password was changed meanwhile. Sign in again.');
      throw error;
    }
    deps.logger.info({ event: 'cognito.password_changed', userId }, 'password changed through the Cognito API; signed out everywhere');
    if (user.email) {
      deps.mailer.send({ to: user.email, template: 'password-changed', data: {} })
        .catch((error: unknown) => deps.logger.error({ err: error, userId }, 'password-changed notice could not be delivered'));
    }
    return {};
  });
}
