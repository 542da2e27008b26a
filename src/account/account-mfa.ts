import type { Context } from 'koa';
import type { MfaService } from '../directory/mfa/mfa-service.js';
import { ConflictError } from '../errors/app-error.js';
import type { WithInput } from '../http/validate.js';
import type { Csrf } from '../interaction/csrf.js';
import type { MfaCodeForm } from '../interaction/mfa/mfa.schema.js';
import { groupedSecret, qrImageDataUri } from '../interaction/mfa/qr-image.js';
import type { Views } from '../interaction/views.js';
import type { Logger } from '../lib/logger.js';
import type { WithAccount } from './account-session.js';

/** The account page's notices for two-step verification (fixed codes, never text from the URL). */
export const MFA_NOTICES: Record<string, { kind: 'status' | 'alert'; text: string }> = {
  mfa_disabled: { kind: 'status', text: 'Two-step verification is off. Your authenticator and recovery codes no longer work.' },
  mfa_required: { kind: 'alert', text: 'Two-step verification is required for your account, so it cannot be turned off. An administrator can reset it if you lost your device.' },
  mfa_unavailable: { kind: 'alert', text: 'Two-step verification is not available.' },
  mfa_not_enrolled: { kind: 'alert', text: 'Two-step verification is not set up.' },
};

/** What the page's MFA section shows; undefined (no section) where the pool has MFA off and nothing is set up. */
export interface MfaSection {
  enrolled: boolean;
  required: boolean;
  recoveryCodesLeft: number;
}

const WRONG_CODE = 'That code is not valid. Enter the current 6-digit code your authenticator app shows for this account.';

/**
 * Two-step verification on the account page: set up an authenticator (QR code and key, confirmed by a first
 * code, then the recovery codes once), new recovery codes, turn it off. The routes put a recent sign-in and
 * the CSRF check in front of every one of these.
 */
export function createAccountMfa(deps: { mfa: MfaService; views: Views; csrf: Csrf; logger: Logger; csrfSubject: (sessionUid: string) => string }) {
  const { mfa, views, csrf, logger } = deps;
  const token = (ctx: Context & WithAccount) => csrf.issue(deps.csrfSubject(ctx.account.sessionUid));
  const back = (ctx: Context, notice?: string) => {
    ctx.status = 303;
    ctx.redirect(notice ? `/account?notice=${notice}` : '/account');
  };

  async function renderEnrol(ctx: Context & WithAccount, status: number, error?: string): Promise<void> {
    const { secret, uri } = await mfa.beginEnrolment(ctx.account.user);
    views.render(ctx, 'mfa/enrol.njk', {
      title: 'Set up two-step verification', csrf: token(ctx), error, action: '/account/mfa/confirm', fromAccount: true,
      qr: await qrImageDataUri(uri), secret: groupedSecret(secret),
    }, status);
  }

  function renderCodes(ctx: Context & WithAccount, codes: readonly string[]): void {
    views.render(ctx, 'mfa/recovery-codes.njk', { title: 'Save your recovery codes', codes });
  }

  return {
    /** The section's data for GET /account. */
    section: async (userId: string): Promise<MfaSection | undefined> => {
      const status = await mfa.status(userId);
      if (status.mode === 'off' && !status.enrolled) return undefined;
      return { enrolled: status.enrolled, required: status.required, recoveryCodesLeft: status.recoveryCodesLeft };
    },

    /** POST /account/mfa/enrol: the QR code and key (an unfinished set-up is resumed with the same key). */
    startEnrol: async (ctx: Context & WithAccount): Promise<void> => {
      const status = await mfa.status(ctx.account.user.id);
      if (status.mode === 'off') return back(ctx, 'mfa_unavailable');
      if (status.enrolled) return back(ctx);
      await renderEnrol(ctx, 200);
    },

    /** POST /account/mfa/confirm: the first code turns it on; the recovery codes are shown this once. */
    confirmEnrol: async (ctx: Context & WithAccount & WithInput<MfaCodeForm>): Promise<void> => {
      const outcome = await mfa.confirmEnrolment(ctx.account.user.id, ctx.input.code);
      if (!outcome.ok) {
        if ((await mfa.status(ctx.account.user.id)).enrolled) return back(ctx);
        return renderEnrol(ctx, 400, WRONG_CODE);
      }
      logger.info({ event: 'mfa.enrolled', userId: ctx.account.user.id, at: 'account' }, 'authenticator enrolled');
      renderCodes(ctx, outcome.recoveryCodes);
    },

    /** POST /account/mfa/recovery-codes: a new set; the old codes stop working. */
    regenerateCodes: async (ctx: Context & WithAccount): Promise<void> => {
      let codes: string[];
      try {
        codes = await mfa.regenerateRecoveryCodes(ctx.account.user.id);
      } catch (error) {
        if (error instanceof ConflictError) return back(ctx, 'mfa_not_enrolled');
        throw error;
      }
      logger.info({ event: 'mfa.recovery_codes_replaced', userId: ctx.account.user.id }, 'recovery codes replaced');
      renderCodes(ctx, codes);
    },

    /** POST /account/mfa/disable: never where the pool or a group requires it. */
    disable: async (ctx: Context & WithAccount): Promise<void> => {
      try {
        await mfa.disable(ctx.account.user.id);
      } catch (error) {
        if (error instanceof ConflictError) return back(ctx, 'mfa_required');
        throw error;
      }
      logger.info({ event: 'mfa.disabled', userId: ctx.account.user.id }, 'two-step verification turned off by the user');
      back(ctx, 'mfa_disabled');
    },
  };
}
