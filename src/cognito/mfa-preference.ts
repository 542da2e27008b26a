import { ConflictError, InvalidRequestError, InvalidTokenError } from '../errors/app-error.js';
import { cognitoOperation, type CognitoDeps, type CognitoOperation } from './cognito-operation.js';
import { setUserMfaPreferenceSchema } from './software-token.schema.js';
import { tokenUser } from './token-user.js';

/**
 * SetUserMFAPreference, the account page's rules: the authenticator is Latchkey's only second factor, so
 * `SoftwareTokenMfaSettings.Enabled: false` turns it off (MfaService.disable: the authenticator and recovery
 * codes removed, audited), refused where the pool or one of the user's groups requires MFA; `Enabled: true`
 * needs an authenticator already set up (AssociateSoftwareToken, VerifySoftwareToken), and PreferredMfa changes
 * nothing, there being one factor. The other factors (SMS, e-mail, WebAuthn) cannot be turned on here.
 */
export function setUserMfaPreference(deps: CognitoDeps): CognitoOperation {
  return cognitoOperation(setUserMfaPreferenceSchema, async (input) => {
    const { userId } = await tokenUser(deps, input.AccessToken);
    if (!(await deps.users.findActingUser(userId))) throw new InvalidTokenError('the access token user may no longer act');
    for (const [name, settings] of [['SMSMfaSettings', input.SMSMfaSettings], ['EmailMfaSettings', input.EmailMfaSettings], ['WebAuthnMfaSettings', input.WebAuthnMfaSettings]] as const) {
      if (settings?.Enabled || settings?.PreferredMfa) throw new InvalidRequestError(`${name}: Latchkey's only second factor through this API is a software token (SoftwareTokenMfaSettings).`, [{ path: name, message: 'cannot be enabled' }]);
    }
    const totp = input.SoftwareTokenMfaSettings;
    if (totp?.Enabled === false) {
      try {
        await deps.mfa.disable(userId);
      } catch (error) {
        if (error instanceof ConflictError) throw new InvalidRequestError('MFA is required for this user by the user pool or one of their groups, so the software token cannot be turned off.', [{ path: 'SoftwareTokenMfaSettings.Enabled', message: 'MFA is required for this user' }]);
        throw error;
      }
      deps.logger.info({ event: 'mfa.disabled', userId, at: 'cognito' }, 'two-step verification turned off by the user');
    } else if (totp?.Enabled || totp?.PreferredMfa) {
      if (!(await deps.mfa.status(userId)).enrolled) throw new InvalidRequestError('User has not set up software token mfa', [{ path: 'SoftwareTokenMfaSettings', message: 'no software token is set up' }]);
    }
    return {};
  });
}
