import type { Context } from 'koa';
import { z } from 'zod';
import type { WithInput } from '../../http/validate.js';
import { isUuid } from '../../lib/uuid.js';
import { clientAddress } from '../client-address.js';
import { admitAttempt, type LoginThrottle } from '../login-throttle.js';
import type { Views } from '../views.js';
import type { AccountCodes } from './account-codes.js';
import { CODE_REFUSALS } from './code-messages.js';

/** The mailed link's parameters (query on GET, form on POST). */
export const verifyLinkSchema = z.object({ user: z.string().max(64).default(''), code: z.string().max(64).default('') });
export type VerifyLink = z.infer<typeof verifyLinkSchema>;

/**
 * The link in the verification e-mail, which may be opened anywhere (another browser, a phone). Opening it
 * shows a button; only the POST spends the code, because mail scanners fetch links on their own and a GET
 * must not verify anything (RFC 9110 §9.2.1, safe methods).
 */
export function createVerifyLinkPage(deps: { views: Views; codes: AccountCodes; throttle: LoginThrottle }) {
  const { views } = deps;
  const invalid = (ctx: Context) => views.render(ctx, 'verify-email.njk', { title: 'Verify your e-mail', error: 'This link is not valid. Use the latest e-mail, or ask for a new code.' }, 400);

  return {
    /** GET /verify-email?user=…&code=… */
    show: (ctx: Context & WithInput<VerifyLink>): void => {
      const { user, code } = ctx.input;
      if (!isUuid(user) || !code) return invalid(ctx);
      views.render(ctx, 'verify-email.njk', { title: 'Verify your e-mail', user, code, confirm: true });
    },

    /** POST /verify-email */
    submit: async (ctx: Context & WithInput<VerifyLink>): Promise<void> => {
      const { user, code } = ctx.input;
      if (!isUuid(user) || !code) return invalid(ctx);
      const address = clientAddress(ctx);
      if (!address) return invalid(ctx);
      const throttled = await admitAttempt(deps.throttle, ctx, { userId: user }, address);
      if (throttled) return views.render(ctx, 'verify-email.njk', { title: 'Verify your e-mail', error: throttled }, 429);
      const outcome = await deps.codes.verifyEmail(user, code);
      if (!outcome.ok) return views.render(ctx, 'verify-email.njk', { title: 'Verify your e-mail', error: CODE_REFUSALS[outcome.reason] }, 400);
      views.render(ctx, 'verify-email.njk', { title: 'E-mail verified', verified: true });
    },
  };
}
