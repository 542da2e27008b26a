import type { AccountCodes } from '../../interaction/self-service/account-codes.js';
import { InvalidRequestError, NotFoundError } from '../../errors/app-error.js';
import type { CognitoOperation } from '../cognito-operation.js';
import { userRequest } from './admin.schema.js';
import { adminOperation, type CognitoAdminDeps } from './admin-operation.js';
import { findCognitoUser, userNotFound } from './admin-user-lookup.js';

/**
 * AdminResetUserPassword: the admin API's "require a new password" (`reset_required`, audited as
 * `password.reset_required`; every session, grant and storage credential of the user ends, so the old
 * password and what it earned no longer count), then ForgotPassword's code mailed to the user's address
 * (the same code, mail and cool-down: at most one a minute). Signing in then answers
 * PasswordResetRequiredException until ConfirmForgotPassword sets a new password with that code.
 * A user without an address could never bring a code back: InvalidParameterException, as Cognito answers for a
 * user with no address to send to, and nothing changes. A disabled user is marked but mailed nothing (the reset
 * refuses disabled accounts); ForgotPassword mails a code once they are enabled. ClientMetadata is dropped.
 */
export function adminResetUserPassword(deps: CognitoAdminDeps, codes: Pick<AccountCodes, 'requestReset'>): CognitoOperation {
  return adminOperation(deps, userRequest, async (input) => {
    const user = await findCognitoUser(deps.users, input.Username);
    if (!user.email) {
      throw new InvalidRequestError('Cannot reset password for the user as there is no registered/verified email or phone_number', [{ path: 'Username', message: 'the user has no e-mail address' }]);
    }
    let reset;
    try {
      reset = await deps.users.requireReset(user.id);
    } catch (error) {
      // Deleted since it was found.
      if (error instanceof NotFoundError) throw userNotFound();
      throw error;
    }
    if (reset.enabled && reset.email) await codes.requestReset(reset.email);
    return {};
  });
}
