import type { Context } from 'koa';
import type { EmailChange } from '../directory/email-change.js';
import { ConflictError, InvalidRequestError } from '../errors/app-error.js';
import type { WithInput } from '../http/validate.js';
import type { AccountCodes } from '../interaction/self-service/account-codes.js';
import { CODE_REFUSALS } from '../interaction/self-service/code-messages.js';
import type { Logger } from '../lib/logger.js';
import type { EmailCodeForm, EmailForm } from './account.schema.js';
import type { createAccountPage } from './account-page.js';
import type { WithAccount } from './account-session.js';

/**
 * Changing one's own address: the new one is recorded as pending and a code is mailed to it; the current
 * address stays in force (for sign-in, mail and claims) until that code comes back. Asking needs a recent
 * sign-in, like every change of how the user is reached.
 */
export function createEmailForms(deps: { page: ReturnType<typeof createAccountPage>; emailChange: EmailChange; codes: AccountCodes; logger: Logger }) {
  const { page, emailChange, codes, logger } = deps;

  return {
    /** POST /account/email */
    request: async (ctx: Context & WithAccount & WithInput<EmailForm>): Promise<void> => {
      let requested;
      try {
        requested = await emailChange.request(ctx.account.user.id, ctx.input.email);
      } catch (error) {
        if (!(error instanceof InvalidRequestError)) throw error;
        const message = error.details?.[0]?.message ?? error.message;
        return page.render(ctx, { error: 'Your address was not changed.', fieldErrors: { email: `This address ${message}.` }, values: { email: ctx.input.email } }, 400);
      }
      const sent = await codes.sendEmailChange(ctx.account.user.id, requested.email, requested.normalized);
      if (!sent.sent) {
        ctx.set('Retry-After', String(sent.retryAfterSeconds));
        return page.render(ctx, `A code was sent a moment ago. You can ask for another in ${sent.retryAfterSeconds} seconds.`, 429);
      }
      ctx.status = 303;
      ctx.redirect('/account?notice=email_code_sent');
    },

    /** POST /account/email/verify */
    verify: async (ctx: Context & WithAccount & WithInput<EmailCodeForm>): Promise<void> => {
      const code = ctx.input.code.trim();
      if (!code) return page.render(ctx, { error: 'Your address was not changed.', fieldErrors: { email_code: 'Enter the code from the e-mail.' } }, 400);
      let outcome;
      try {
        outcome = await codes.confirmEmailChange(ctx.account.user.id, code);
      } catch (error) {
        if (!(error instanceof ConflictError)) throw error;
        return page.render(ctx, 'This address cannot be used for your account. Choose another one.', 409);
      }
      if (!outcome.ok) return page.render(ctx, { error: 'Your address was not changed.', fieldErrors: { email_code: CODE_REFUSALS[outcome.reason] } }, 400);
      logger.info({ event: 'account.email_changed', userId: ctx.account.user.id }, 'address changed and verified from the account page');
      ctx.status = 303;
      ctx.redirect('/account?notice=email_changed');
    },

    /** POST /account/email/cancel */
    cancel: async (ctx: Context & WithAccount): Promise<void> => {
      await emailChange.cancel(ctx.account.user.id);
      ctx.status = 303;
      ctx.redirect('/account');
    },
  };
}
