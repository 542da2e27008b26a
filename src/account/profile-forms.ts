import type { Context } from 'koa';
import type { UserService } from '../directory/user-service.js';
import { ConflictError, InvalidRequestError } from '../errors/app-error.js';
import type { WithInput } from '../http/validate.js';
import { clientAddress } from '../interaction/client-address.js';
import { admitAttempt, type LoginThrottle } from '../interaction/login-throttle.js';
import type { Views } from '../interaction/views.js';
import type { Logger } from '../lib/logger.js';
import type { Mailer } from '../mail/mailer.js';
import type { PasswordForm, ProfileForm } from './account.schema.js';
import { attributeText, type createAccountPage, type PageProblems } from './account-page.js';
import type { WithAccount } from './account-session.js';

/** A refused change's details, keyed by form field (`custom_attributes.x` arrives as `custom:x`). */
function fieldErrorsOf(error: InvalidRequestError): Record<string, string> {
  const errors: Record<string, string> = {};
  for (const detail of error.details ?? []) errors[detail.path.replace(/^custom_attributes\./, 'custom:')] = detail.message;
  return errors;
}

/**
 * The account page's profile and password forms. The profile goes through the directory's update (the user
 * as the actor: immutable attributes stay as they are); the password change needs the current password,
 * is throttled like a sign-in, and ends every session of the user.
 */
export function createProfileForms(deps: { page: ReturnType<typeof createAccountPage>; users: UserService; throttle: LoginThrottle; mailer: Mailer; views: Views; logger: Logger }) {
  const { page, users, logger } = deps;

  return {
    /** POST /account/profile */
    saveProfile: async (ctx: Context & WithAccount & WithInput<ProfileForm>): Promise<void> => {
      const profile: Record<string, string> = {};
      const customAttributes: Record<string, string> = {};
      const values: Record<string, string> = {};
      for (const [key, value] of Object.entries(ctx.input)) {
        if (key === 'csrf' || typeof value !== 'string') continue;
        values[key] = value;
        if (key.startsWith('custom:')) {
          // Unchanged values are not sent on: an immutable attribute that has a value stays untouched.
          if (value !== attributeText(ctx.account.user.custom_attributes[key.slice('custom:'.length)])) customAttributes[key] = value;
        } else if (key === 'name' || key === 'given_name' || key === 'family_name') {
          profile[key] = value.trim();
        }
      }
      try {
        await users.update(ctx.account.user.id, { profile, customAttributes }, { actor: 'user' });
      } catch (error) {
        if (!(error instanceof InvalidRequestError)) throw error;
        const problems: PageProblems = { error: 'Check the fields marked below.', fieldErrors: fieldErrorsOf(error), values };
        return page.render(ctx, problems, 400);
      }
      logger.info({ event: 'account.profile_saved', userId: ctx.account.user.id }, 'profile saved from the account page');
      ctx.status = 303;
      ctx.redirect('/account?notice=profile_saved');
    },

    /** POST /account/password */
    changePassword: async (ctx: Context & WithAccount & WithInput<PasswordForm>): Promise<void> => {
      const { user } = ctx.account;
      const address = clientAddress(ctx);
      if (!address) return page.render(ctx, 'Your network address could not be determined. Try again.', 400);
      const throttled = await admitAttempt(deps.throttle, ctx, { userId: user.id }, address);
      if (throttled) return page.render(ctx, throttled, 429);
      try {
        await users.changePassword(user.id, ctx.input.current_password, ctx.input.new_password);
      } catch (error) {
        if (error instanceof ConflictError) return page.render(ctx, error.message, 409);
        if (!(error instanceof InvalidRequestError)) throw error;
        const fieldErrors = fieldErrorsOf(error);
        const byField: Record<string, string> = {};
        for (const [field, message] of Object.entries(fieldErrors)) byField[field === 'password' ? 'new_password' : field] = field === 'current_password' ? 'The current password is not right.' : message;
        return page.render(ctx, { error: 'Your password was not changed. Check the fields marked below.', fieldErrors: byField }, 400);
      }
      logger.info({ event: 'account.password_changed', userId: user.id }, 'password changed from the account page; signed out everywhere');
      if (user.email) {
        deps.mailer.send({ to: user.email, template: 'password-changed', data: {} })
          .catch((error: unknown) => logger.error({ err: error, userId: user.id }, 'password-changed notice could not be delivered'));
      }
      deps.views.render(ctx, 'logged-out.njk', { title: 'Password changed', everywhere: true, passwordChanged: true });
    },
  };
}
