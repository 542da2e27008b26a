import type { Context } from 'koa';
import type { UserService } from '../../directory/user-service.js';
import type { Metrics } from '../../http/metrics.js';
import type { WithInput } from '../../http/validate.js';
import type { Logger } from '../../lib/logger.js';
import type { ProviderHolder } from '../../oidc/provider-holder.js';
import { clientAddress } from '../client-address.js';
import type { Csrf } from '../csrf.js';
import { finishInteraction, type WithInteraction } from '../load-interaction.js';
import { admitAttempt, type LoginThrottle } from '../login-throttle.js';
import type { Views } from '../views.js';
import type { AccountCodes } from './account-codes.js';
import { CODE_REFUSALS } from './code-messages.js';
import { clearPendingStep, pendingStep } from './pending-step.js';
import type { VerifyForm } from './self-service.schema.js';
import type { LoginPromptDeps } from '../prompts/login.js';

/** The MFA step after a proven password (see LoginPromptDeps.secondFactor). */
type SecondFactorStep = NonNullable<LoginPromptDeps['secondFactor']>;

/**
 * E-mail verification inside a sign-in (`form#verify-form`): after a sign-up, or after an unconfirmed
 * account proved its password. The right code verifies the address, confirms the account and finishes the
 * app's authorization request: the user lands back in the app, signed in with the password they just used.
 */
export function createVerifyPage(deps: { views: Views; csrf: Csrf; users: UserService; codes: AccountCodes; throttle: LoginThrottle; holder: ProviderHolder; logger: Logger; metrics: Pick<Metrics, 'signIn'>; secureCookies: boolean; secondFactor?: SecondFactorStep }) {
  const { views, csrf, codes, logger } = deps;

  function render(ctx: Context & WithInteraction, status: number, extra: { error?: string; notice?: string } = {}) {
    const { uid, clientName } = ctx.interaction;
    views.render(ctx, 'verify.njk', { title: 'Check your e-mail', uid, csrf: csrf.issue(uid), clientName, ...extra }, status);
  }

  /** Without the previous step's cookie there is nothing to verify here: back to the sign-in page. */
  function backToSignIn(ctx: Context & WithInteraction): void {
    ctx.status = 303;
    ctx.redirect(`/interaction/${encodeURIComponent(ctx.interaction.uid)}`);
  }

  return {
    /** GET /interaction/:uid/verify */
    show: (ctx: Context & WithInteraction): void => {
      if (!pendingStep(ctx, ctx.interaction.uid, 'verify')) return backToSignIn(ctx);
      render(ctx, 200);
    },

    /** POST /interaction/:uid/verify */
    submit: async (ctx: Context & WithInteraction & WithInput<VerifyForm>): Promise<void> => {
      const pending = pendingStep(ctx, ctx.interaction.uid, 'verify');
      if (!pending) return backToSignIn(ctx);
      const code = ctx.input.code.trim();
      if (!code) return render(ctx, 400, { error: 'Enter the code from the e-mail.' });
      const address = clientAddress(ctx);
      if (!address) return render(ctx, 400, { error: 'Your network address could not be determined. Try again.' });
      const throttled = await admitAttempt(deps.throttle, ctx, { userId: pending.subject }, address);
      if (throttled) return render(ctx, 429, { error: throttled });
      const outcome = await codes.verifyEmail(pending.subject, code);
      if (!outcome.ok) return render(ctx, 400, { error: CODE_REFUSALS[outcome.reason] });
      clearPendingStep(ctx, ctx.interaction.uid, deps.secureCookies);
      logger.info({ event: 'signup.verified', userId: outcome.user.id }, 'e-mail verified; account confirmed');
      // A pool or group that requires MFA asks for it (or its enrolment) here too, as after any password.
      if (deps.secondFactor && await deps.secondFactor(ctx, outcome.user, ['pwd'])) {
        deps.metrics.signIn('password', 'mfa_required');
        return;
      }
      // The password was proven in this sign-in (at sign-up, or on the sign-in form before verification).
      deps.metrics.signIn('password', 'success');
      const returnTo = await finishInteraction(ctx, deps.holder, {
        login: { accountId: outcome.user.id, amr: ['pwd'], remember: true },
      }, { mergeWithLastSubmission: false });
      ctx.status = 303;
      ctx.redirect(returnTo);
    },

    /** POST /interaction/:uid/verify/resend: a new code, after the cool-down. */
    resend: async (ctx: Context & WithInteraction): Promise<void> => {
      const pending = pendingStep(ctx, ctx.interaction.uid, 'verify');
      if (!pending) return backToSignIn(ctx);
      const user = await deps.users.findById(pending.subject);
      // An unknown subject (sign-up with an address that has an account) answers like a sent code.
      const sent = user && user.status === 'unconfirmed' ? await codes.sendVerification(user) : { sent: true as const };
      if (!sent.sent) {
        ctx.set('Retry-After', String(sent.retryAfterSeconds));
        return render(ctx, 429, { error: `A code was sent a moment ago. You can ask for another in ${sent.retryAfterSeconds} seconds.` });
      }
      render(ctx, 200, { notice: 'A new code is on its way.' });
    },
  };
}
