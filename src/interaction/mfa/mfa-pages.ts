import type { Context } from 'koa';
import type { MfaService, MfaStatus } from '../../directory/mfa/mfa-service.js';
import type { UserRow } from '../../directory/repositories/user.repository.js';
import type { UserService } from '../../directory/user-service.js';
import { ConflictError } from '../../errors/app-error.js';
import type { Metrics } from '../../http/metrics.js';
import type { WithInput } from '../../http/validate.js';
import type { Clock } from '../../lib/clock.js';
import type { Logger } from '../../lib/logger.js';
import type { ProviderHolder } from '../../oidc/provider-holder.js';
import { clientAddress } from '../client-address.js';
import type { Csrf } from '../csrf.js';
import { finishInteraction, type WithInteraction } from '../load-interaction.js';
import { admitAttempt, type LoginThrottle } from '../login-throttle.js';
import type { Views } from '../views.js';
import { clearMfaPending, mfaPending, setMfaPending, type MfaPending } from './mfa-pending.js';
import type { MfaCodeForm } from './mfa.schema.js';
import { groupedSecret, qrImageDataUri } from './qr-image.js';
import type { PasskeyService } from '../../directory/passkeys/passkey-service.js';
import { PASSKEY_SCRIPTS, passkeyAmr } from '../passkey/passkey-amr.js';
import { signInBinding } from '../passkey/passkey-sign-in.js';
import type { PasskeyAssertionForm } from '../passkey/passkey.schema.js';

/**
 * What the ID token's `amr` says after the second factor (RFC 8176). An authenticator code adds `otp` and
 * `mfa`. A recovery code is a second factor too (`mfa`), but not an authenticator's one-time password, and
 * RFC 8176 registers no value for it: it adds `recovery_code`, so an app that asks for `otp` is not told that
 * a device was used when a printed code was.
 */
export const AMR_AFTER = { totp: ['otp', 'mfa'], recovery_code: ['mfa', 'recovery_code'] } as const;

const WRONG_CODE = 'That code is not valid. Enter the current code from your authenticator app, or an unused recovery code.';
const WRONG_ENROL_CODE = 'That code is not valid. Enter the current 6-digit code your authenticator app shows for this account.';
const WRONG_PASSKEY = 'That passkey could not be verified. Try again with a passkey registered to this account.';
const NO_PASSKEY_USED = 'No passkey was used. Try again, or enter a code.';
const NO_ADDRESS = 'Your network address could not be determined. Try again, or contact your administrator.';

export interface MfaPagesDeps {
  mfa: MfaService;
  users: UserService;
  throttle: LoginThrottle;
  holder: ProviderHolder;
  views: Views;
  csrf: Csrf;
  clock: Clock;
  logger: Logger;
  metrics: Pick<Metrics, 'signIn'>;
  secureCookies: boolean;
  /** Passkeys: a user who has one is asked for it (or a code) after the password. None: codes only. */
  passkeys?: PasskeyService;
}

type Page = Context & WithInteraction;

/**
 * The second step of a password sign-in: `form#mfa-form` for a user with an authenticator, or a forced
 * enrolment (QR code, secret, a first code, the recovery codes once) where the pool or a group requires MFA.
 * Every page needs the signed pending-step cookie the login form set after the password; without it the
 * browser goes back to the sign-in form.
 */
export function createMfaPages(deps: MfaPagesDeps) {
  const { views, csrf, mfa, logger } = deps;
  const base = (uid: string) => `/interaction/${encodeURIComponent(uid)}`;

  function backToSignIn(ctx: Page): void {
    ctx.status = 303;
    ctx.redirect(base(ctx.interaction.uid));
  }

  /** The second-factor page: the code form where an authenticator is set up, the passkey button where a passkey is. */
  async function renderChallenge(ctx: Page, userId: string, status: number, error?: string): Promise<void> {
    const { uid, clientName } = ctx.interaction;
    const state = await mfa.status(userId);
    const { enrolled } = state;
    const passkeys = deps.passkeys ? state.passkeys : 0;
    views.render(ctx, 'mfa/challenge.njk', {
      title: 'Two-step verification', uid, csrf: csrf.issue(uid), clientName, error,
      totp: enrolled, passkey: passkeys > 0, scripts: passkeys > 0 ? PASSKEY_SCRIPTS : [],
    }, status);
  }

  async function renderEnrol(ctx: Page, user: UserRow, status: number, error?: string): Promise<void> {
    const { uid, clientName } = ctx.interaction;
    const { secret, uri } = await mfa.beginEnrolment(user);
    views.render(ctx, 'mfa/enrol.njk', {
      title: 'Set up two-step verification', uid, csrf: csrf.issue(uid), clientName, error,
      action: `${base(uid)}/mfa/enrol`, qr: await qrImageDataUri(uri), secret: groupedSecret(secret),
    }, status);
  }

  /** Counts a code attempt against the account and the address, like a password attempt; false when refused. */
  async function admitted(ctx: Page, userId: string, render: (status: number, error: string) => unknown): Promise<string | undefined> {
    const address = clientAddress(ctx);
    if (!address) {
      await render(400, NO_ADDRESS);
      return undefined;
    }
    const throttled = await admitAttempt(deps.throttle, ctx, { userId }, address);
    if (!throttled) return address;
    logger.warn({ event: 'mfa.throttled', userId }, 'second-factor attempts throttled');
    deps.metrics.signIn('mfa', 'throttled');
    await render(429, throttled);
    return undefined;
  }

  /** Ends the interaction with the account and every factor proven; the user must still be allowed to act. */
  async function finish(ctx: Page, userId: string, amr: readonly string[]): Promise<void> {
    clearMfaPending(ctx, ctx.interaction.uid, deps.secureCookies);
    if (!(await deps.users.findActingUser(userId))) return backToSignIn(ctx);
    deps.metrics.signIn('mfa', 'success');
    const returnTo = await finishInteraction(ctx, deps.holder, {
      login: { accountId: userId, amr: [...amr], remember: true },
    }, { mergeWithLastSubmission: false });
    ctx.status = 303;
    ctx.redirect(returnTo);
  }

  /** The user the pending step names, when it is at `stage`. */
  async function pendingUser(ctx: Page, stage: MfaPending['stage']): Promise<{ pending: MfaPending; user: UserRow } | undefined> {
    const pending = mfaPending(ctx, ctx.interaction.uid, stage, deps.clock);
    const user = pending && await deps.users.findById(pending.userId);
    return pending && user ? { pending, user } : undefined;
  }

  return {
    /**
     * The login form's `secondFactor` hook, after the password: with the pool's mode not `off`, an
     * enrolled user is asked for a code and a user whom MFA is required of enrols; anyone else signs in.
     */
    secondFactor: async (ctx: Page, user: UserRow, amr: readonly string[], known?: MfaStatus): Promise<boolean> => {
      // One query, unless the sign-in read it with the account: the mode, the requirement, the authenticator and the passkeys.
      const status = known ?? await mfa.status(user.id);
      // A registered passkey is a second factor as an authenticator app is: once there, it is asked for.
      const enrolled = status.enrolled || (status.mode !== 'off' && deps.passkeys !== undefined && status.passkeys > 0);
      if (status.mode === 'off' || (!enrolled && !status.required)) return false;
      const stage = enrolled ? 'challenge' : 'enrol';
      setMfaPending(ctx, ctx.interaction.uid, { stage, userId: user.id, amr }, deps);
      logger.info({ event: `mfa.${stage}`, userId: user.id }, enrolled ? 'second factor asked for' : 'second factor required: enrolment');
      ctx.status = 303;
      ctx.redirect(`${base(ctx.interaction.uid)}/mfa${stage === 'enrol' ? '/enrol' : ''}`);
      return true;
    },

    /** GET /interaction/:uid/mfa */
    showChallenge: async (ctx: Page): Promise<void> => {
      const pending = mfaPending(ctx, ctx.interaction.uid, 'challenge', deps.clock);
      if (!pending) return backToSignIn(ctx);
      await renderChallenge(ctx, pending.userId, 200);
    },

    /** POST /interaction/:uid/mfa: an authenticator code or a recovery code; a wrong or replayed one is 400. */
    submitChallenge: async (ctx: Page & WithInput<MfaCodeForm>): Promise<void> => {
      const pending = mfaPending(ctx, ctx.interaction.uid, 'challenge', deps.clock);
      if (!pending) return backToSignIn(ctx);
      const code = ctx.input.code.trim();
      if (!code) return renderChallenge(ctx, pending.userId, 400, 'Enter the code from your authenticator app.');
      const address = await admitted(ctx, pending.userId, (status, error) => renderChallenge(ctx, pending.userId, status, error));
      if (!address) return;
      const result = await mfa.verifySecondFactor(pending.userId, code);
      if (!result.ok) {
        logger.info({ event: 'mfa.failed', userId: pending.userId, reason: result.reason }, 'second factor refused');
        deps.metrics.signIn('mfa', 'invalid_credentials');
        return renderChallenge(ctx, pending.userId, 400, WRONG_CODE);
      }
      await deps.throttle.succeeded({ userId: pending.userId }, address);
      logger.info({ event: 'mfa.succeeded', userId: pending.userId, method: result.method }, 'second factor accepted');
      await finish(ctx, pending.userId, [...pending.amr, ...AMR_AFTER[result.method]]);
    },

    /** POST /interaction/:uid/mfa/passkey/options: request options among the pending user's passkeys (JSON). */
    passkeyOptions: async (ctx: Page): Promise<void> => {
      const pending = mfaPending(ctx, ctx.interaction.uid, 'challenge', deps.clock);
      if (!pending || !deps.passkeys) return backToSignIn(ctx);
      ctx.set('Cache-Control', 'no-store');
      ctx.body = await deps.passkeys.authenticationOptions(signInBinding(ctx.interaction.uid), pending.userId);
    },

    /** POST /interaction/:uid/mfa/passkey: the assertion, which must come from one of the pending user's passkeys. */
    submitPasskey: async (ctx: Page & WithInput<PasskeyAssertionForm>): Promise<void> => {
      const pending = mfaPending(ctx, ctx.interaction.uid, 'challenge', deps.clock);
      if (!pending || !deps.passkeys) return backToSignIn(ctx);
      if (!ctx.input.credential) return renderChallenge(ctx, pending.userId, 400, NO_PASSKEY_USED);
      const address = await admitted(ctx, pending.userId, (status, error) => renderChallenge(ctx, pending.userId, status, error));
      if (!address) return;
      const result = await deps.passkeys.authenticate(signInBinding(ctx.interaction.uid), ctx.input.credential, pending.userId);
      if (!result.ok) {
        logger.info({ event: 'mfa.failed', userId: pending.userId, reason: `passkey_${result.reason}`, detail: result.detail }, 'second factor refused');
        deps.metrics.signIn('mfa', 'invalid_credentials');
        return renderChallenge(ctx, pending.userId, 400, WRONG_PASSKEY);
      }
      await deps.throttle.succeeded({ userId: pending.userId }, address);
      logger.info({ event: 'mfa.succeeded', userId: pending.userId, method: 'passkey' }, 'second factor accepted');
      await finish(ctx, pending.userId, [...pending.amr, ...passkeyAmr(result.proof), 'mfa']);
    },

    /** GET /interaction/:uid/mfa/enrol: the QR code and the secret (resumed, not replaced, on reload). */
    showEnrol: async (ctx: Page): Promise<void> => {
      const found = await pendingUser(ctx, 'enrol');
      if (!found) return backToSignIn(ctx);
      await renderEnrol(ctx, found.user, 200);
    },

    /** POST /interaction/:uid/mfa/enrol: the first code confirms the authenticator; the recovery codes, once. */
    submitEnrol: async (ctx: Page & WithInput<MfaCodeForm>): Promise<void> => {
      const found = await pendingUser(ctx, 'enrol');
      if (!found) return backToSignIn(ctx);
      const { pending, user } = found;
      const address = await admitted(ctx, user.id, (status, error) => renderEnrol(ctx, user, status, error));
      if (!address) return;
      let outcome: Awaited<ReturnType<MfaService['confirmEnrolment']>>;
      try {
        outcome = await mfa.confirmEnrolment(user.id, ctx.input.code);
      } catch (error) {
        // Confirmed meanwhile (another tab): this sign-in continues with the code form.
        if (!(error instanceof ConflictError)) throw error;
        outcome = { ok: false };
      }
      if (!outcome.ok) {
        deps.metrics.signIn('mfa', 'invalid_credentials');
        return renderEnrol(ctx, user, 400, WRONG_ENROL_CODE);
      }
      await deps.throttle.succeeded({ userId: user.id }, address);
      const amr = [...pending.amr, ...AMR_AFTER.totp];
      setMfaPending(ctx, ctx.interaction.uid, { stage: 'enrolled', userId: user.id, amr }, deps);
      logger.info({ event: 'mfa.enrolled', userId: user.id, at: 'sign-in' }, 'authenticator enrolled');
      const { uid, clientName } = ctx.interaction;
      views.render(ctx, 'mfa/recovery-codes.njk', {
        title: 'Save your recovery codes', clientName, codes: outcome.recoveryCodes,
        continueAction: `${base(uid)}/mfa/done`, csrf: csrf.issue(uid),
      });
    },

    /** POST /interaction/:uid/mfa/done: after the recovery codes were shown, the sign-in finishes. */
    done: async (ctx: Page): Promise<void> => {
      const pending = mfaPending(ctx, ctx.interaction.uid, 'enrolled', deps.clock);
      if (!pending) return backToSignIn(ctx);
      await finish(ctx, pending.userId, pending.amr);
    },
  };
}
