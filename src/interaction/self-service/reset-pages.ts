import type { Context } from 'koa';
import type { PasswordPolicySource } from '../../directory/password-policy-source.js';
import { InvalidRequestError } from '../../errors/app-error.js';
import type { WithInput } from '../../http/validate.js';
import { clientAddress } from '../client-address.js';
import type { Csrf } from '../csrf.js';
import type { WithInteraction } from '../load-interaction.js';
import { admitAttempt, type LoginThrottle } from '../login-throttle.js';
import type { Views } from '../views.js';
import type { AccountCodes } from './account-codes.js';
import { CODE_REFUSALS } from './code-messages.js';
import { clearPendingStep, pendingStep, setPendingStep } from './pending-step.js';
import type { ForgotForm, ResetForm } from './self-service.schema.js';

/**
 * Forgot and reset password (`form#forgot-form`, then `form#reset-form`). Asking for a code answers the same,
 * in body and in time, whether or not the account exists (the work is the same, see AccountCodes); the reset
 * sets the new password, signs the user out everywhere and sends them back to the sign-in page.
 */
export function createResetPages(deps: { views: Views; csrf: Csrf; codes: AccountCodes; throttle: LoginThrottle; policy: PasswordPolicySource; secureCookies: boolean }) {
  const { views, csrf, codes } = deps;

  function renderForgot(ctx: Context & WithInteraction, status: number, extra: { error?: string; username?: string } = {}) {
    const { uid, clientName } = ctx.interaction;
    views.render(ctx, 'forgot.njk', { title: 'Reset your password', uid, csrf: csrf.issue(uid), clientName, ...extra }, status);
  }

  async function renderReset(ctx: Context & WithInteraction, status: number, extra: { error?: string; codeError?: string; passwordError?: string } = {}): Promise<void> {
    const { uid, clientName } = ctx.interaction;
    const rules = (await deps.policy.current()).rules();
    views.render(ctx, 'reset.njk', { title: 'Choose a new password', uid, csrf: csrf.issue(uid), clientName, rules, ...extra }, status);
  }

  /** Counts against the account the identifier names (or the identifier) and the address, like sign-in. */
  async function throttled(ctx: Context, subject: { identifier: string }): Promise<string | undefined> {
    const address = clientAddress(ctx);
    if (!address) return 'Your network address could not be determined. Try again.';
    const refused = await admitAttempt(deps.throttle, ctx, subject, address);
    if (!refused) return undefined;
    ctx.status = 429;
    return refused;
  }

  return {
    /** GET /interaction/:uid/forgot */
    showForgot: (ctx: Context & WithInteraction) => renderForgot(ctx, 200),

    /** POST /interaction/:uid/forgot */
    submitForgot: async (ctx: Context & WithInteraction & WithInput<ForgotForm>): Promise<void> => {
      const username = ctx.input.username.trim();
      if (!username) return renderForgot(ctx, 400, { error: 'Enter your username or e-mail address.' });
      const refused = await throttled(ctx, { identifier: `reset:${username.toLowerCase()}` });
      if (refused) return renderForgot(ctx, 429, { error: refused, username });
      await codes.requestReset(username);
      setPendingStep(ctx, ctx.interaction.uid, { kind: 'reset', subject: username }, deps.secureCookies);
      ctx.status = 303;
      ctx.redirect(`/interaction/${encodeURIComponent(ctx.interaction.uid)}/reset`);
    },

    /** GET /interaction/:uid/reset */
    showReset: async (ctx: Context & WithInteraction): Promise<void> => {
      if (!pendingStep(ctx, ctx.interaction.uid, 'reset')) {
        ctx.status = 303;
        ctx.redirect(`/interaction/${encodeURIComponent(ctx.interaction.uid)}/forgot`);
        return;
      }
      await renderReset(ctx, 200);
    },

    /** POST /interaction/:uid/reset */
    submitReset: async (ctx: Context & WithInteraction & WithInput<ResetForm>): Promise<void> => {
      const pending = pendingStep(ctx, ctx.interaction.uid, 'reset');
      if (!pending) {
        ctx.status = 303;
        ctx.redirect(`/interaction/${encodeURIComponent(ctx.interaction.uid)}/forgot`);
        return;
      }
      const code = ctx.input.code.trim();
      const { password } = ctx.input;
      if (!code || !password) return renderReset(ctx, 400, { ...(code ? {} : { codeError: 'Enter the code from the e-mail.' }), ...(password ? {} : { passwordError: 'Choose a new password.' }), error: 'Check the fields marked below.' });
      const refused = await throttled(ctx, { identifier: `reset:${pending.subject.toLowerCase()}` });
      if (refused) return renderReset(ctx, 429, { error: refused });
      let outcome;
      try {
        outcome = await codes.resetPassword(pending.subject, code, password);
      } catch (error) {
        if (!(error instanceof InvalidRequestError)) throw error;
        const broken = (error.details ?? []).map((detail) => detail.message).join(' ');
        return renderReset(ctx, 400, { error: 'Check the fields marked below.', passwordError: broken || error.message });
      }
      if (!outcome.ok) return renderReset(ctx, 400, { error: CODE_REFUSALS[outcome.reason], codeError: CODE_REFUSALS[outcome.reason] });
      clearPendingStep(ctx, ctx.interaction.uid, deps.secureCookies);
      ctx.status = 303;
      ctx.redirect(`/interaction/${encodeURIComponent(ctx.interaction.uid)}?notice=password_reset`);
    },
  };
}
