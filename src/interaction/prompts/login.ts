import type { Context, Next } from 'koa';
import type { AccountRefusal } from '../../directory/account-state.js';
import { MAX_PASSWORD_BYTES } from '../../directory/password-hasher.js';
import type { UserRow } from '../../directory/repositories/user.repository.js';
import type { UserService } from '../../directory/user-service.js';
import type { AuthenticationMethod } from '../../directory/password-sign-in.js';
import type { MfaStatus } from '../../directory/mfa/mfa-service.js';
import { MalformedInputError } from '../../errors/malformed-input-error.js';
import type { Metrics } from '../../http/metrics.js';
import type { WithInput } from '../../http/validate.js';
import type { Logger } from '../../lib/logger.js';
import type { ProviderHolder } from '../../oidc/provider-holder.js';
import { clientAddress } from '../client-address.js';
import type { Csrf } from '../csrf.js';
import { finishInteraction, type WithInteraction } from '../load-interaction.js';
import { admitAttempt, type AttemptSubject, type LoginThrottle } from '../login-throttle.js';
import type { Views } from '../views.js';
import type { LoginForm } from './login.schema.js';
import { PASSKEY_SCRIPTS } from '../passkey/passkey-amr.js';

const INVALID_CREDENTIALS = 'Incorrect username or password.';
const MALFORMED_FORM = 'The form held characters that cannot be accepted (control characters or invalid text). Check what you typed and try again.';
const NO_ADDRESS = 'Your network address could not be determined. Try again, or contact your administrator.';

/** The fields a refusal marks `aria-invalid` (each described by the page's alert). */
interface InvalidFields {
  username?: boolean;
  password?: boolean;
}
const BOTH_FIELDS: InvalidFields = { username: true, password: true };

/** What a refused sign-in shows. Account states are told only to someone who proved the password. */
const SIGN_IN_REFUSALS: Record<'invalid_credentials' | AccountRefusal, string> = {
  invalid_credentials: INVALID_CREDENTIALS,
  disabled: 'This account is disabled. Contact your administrator.',
  unconfirmed: 'This account is not confirmed yet. Confirm it with the link or code you were sent, or contact your administrator.',
  reset_required: 'A password reset is required for this account. Reset your password, or contact your administrator.',
};

export interface LoginPromptDeps {
  holder: ProviderHolder;
  users: UserService;
  throttle: LoginThrottle;
  metrics: Pick<Metrics, 'signIn'>;
  views: Views;
  csrf: Csrf;
  logger: Logger;
  /** Sends a code to an unconfirmed account and moves the browser to verification (self-service). */
  continueToVerification?: (ctx: Context & WithInteraction, user: UserRow) => Promise<void>;
  /**
   * After the password was proven: when the user must present a second factor (or enrol one), takes over
   * the response (the MFA page) and returns true; otherwise returns false and the sign-in finishes here.
   * `known`: the user's second-factor state as read with the account in this request; else it is read.
   */
  secondFactor?: (ctx: Context & WithInteraction, user: UserRow, amr: readonly AuthenticationMethod[], known?: MfaStatus) => Promise<boolean>;
  /** Whether the page offers "Sign in with a passkey" (the page then loads the passkey script). */
  passkeySignIn?: boolean;
}

/** The `login` prompt: the sign-in form, and password sign-in. */
export interface LoginPrompt {
  /** Renders the form (GET /interaction/:uid while the provider waits for a login). */
  show: (ctx: Context & WithInteraction) => Promise<void>;
  /** The step before the form is read: text that cannot be accepted brings the form back, with an alert. */
  showFormAgainOnMalformedText: (ctx: Context & WithInteraction & Partial<WithInput<LoginForm>>, next: Next) => Promise<void>;
  /** POST /interaction/:uid/login, after validation and CSRF. */
  submit: (ctx: Context & WithInteraction & WithInput<LoginForm>) => Promise<void>;
  /** The form again with an alert, for another way of signing in from this page (a passkey). */
  showError: (ctx: Context & WithInteraction, status: number, error: string) => Promise<void>;
}

/**
 * What a step before the sign-in page may add: the buttons of the configured upstream providers. Read only when
 * the page is rendered, so a sign-in that succeeds does not look them up.
 */
export interface WithUpstreamButtons {
  upstreamButtons?: () => Promise<readonly { name: string; displayName: string }[]>;
}

/** What the self-service step before the sign-in page adds: whether to offer sign-up (read as the buttons are). */
export interface WithSelfService {
  signupOffered?: () => Promise<boolean>;
}

/** Notices the sign-in page shows after a redirect: fixed codes, never text from the URL. */
const NOTICES: Record<string, string> = {
  password_reset: 'Your password was changed and every device was signed out. Sign in with the new password.',
};

/**
 * Password sign-in: settle the client address → find the account the identifier names → count the attempt
 * against that account and the address (before any argon2 work) → verify the password and the account's
 * state → hand the provider the account and the factors used (`amr`). Every refusal shows the form again.
 */
export function createLoginPrompt(deps: LoginPromptDeps): LoginPrompt {
  const { views, csrf } = deps;

  async function render(ctx: Context & WithInteraction & WithUpstreamButtons & WithSelfService, status: number, extra: { error?: string; username?: string; invalid?: InvalidFields }): Promise<void> {
    const { uid, details, clientName } = ctx.interaction;
    const hint = typeof details.params.login_hint === 'string' ? details.params.login_hint.slice(0, 254) : '';
    // Upstream providers' buttons and the sign-up offer, from the federation's and self-service's steps before this one.
    const [federation, signup] = await Promise.all([ctx.upstreamButtons?.() ?? [], ctx.signupOffered?.() ?? false]);
    const notice = typeof ctx.query.notice === 'string' ? NOTICES[ctx.query.notice] : undefined;
    const passkey = deps.passkeySignIn === true;
    // The no-script show-password toggle (login.njk): a link that asks for the page with the field as text.
    const showPassword = ctx.query.show_password === '1';
    views.render(ctx, 'login.njk', {
      title: 'Sign in', uid, csrf: csrf.issue(uid), clientName, username: extra.username ?? hint, error: extra.error, federation, signup, notice,
      passkey, scripts: passkey ? PASSKEY_SCRIPTS : [], showPassword, invalid: extra.invalid ?? {},
    }, status);
  }

  /** A refusal after the password was checked: 401 with the form as the challenge (RFC 9110 §15.5.2). */
  function refuse(ctx: Context & WithInteraction, reason: 'invalid_credentials' | AccountRefusal, username: string): Promise<void> {
    deps.logger.info({ event: 'login.failed', reason }, 'login failed');
    deps.metrics.signIn('password', reason);
    ctx.set('WWW-Authenticate', 'Form realm="Latchkey"');
    // Wrong credentials mark both fields: which of the two was wrong is not told (nor known, for an unknown name).
    return render(ctx, 401, { error: SIGN_IN_REFUSALS[reason], username, ...(reason === 'invalid_credentials' ? { invalid: BOTH_FIELDS } : {}) });
  }

  return {
    show: (ctx) => render(ctx, 200, {}),
    showError: (ctx, status, error) => render(ctx, status, { error }),

    async showFormAgainOnMalformedText(ctx, next) {
      try {
        await next();
      } catch (error) {
        // Only while the form is being read (no input yet): later steps' errors keep their own surface.
        if (error instanceof MalformedInputError && ctx.input === undefined) return render(ctx, 400, { error: MALFORMED_FORM });
        throw error;
      }
    },

    async submit(ctx) {
      const username = ctx.input.username.trim();
      const { password } = ctx.input;
      if (!username || !password) return render(ctx, 400, { error: 'Enter your username or e-mail and your password.', username, invalid: { username: !username, password: !password } });
      if (username.length > 254 || Buffer.byteLength(password) > MAX_PASSWORD_BYTES) return render(ctx, 400, { error: INVALID_CREDENTIALS, invalid: BOTH_FIELDS });
      const address = clientAddress(ctx);
      if (!address) {
        deps.logger.warn({ event: 'login.bad_client_address' }, 'sign-in refused: the forwarded client address is not an IP address');
        return render(ctx, 400, { error: NO_ADDRESS, username });
      }

      const account = await deps.users.findSignInAccount(username, { withMfaState: true });
      const subject: AttemptSubject = account.user ? { userId: account.user.id } : { identifier: account.identifier };
      const throttled = await admitAttempt(deps.throttle, ctx, subject, address);
      if (throttled) {
        deps.logger.warn({ event: 'login.throttled' }, 'sign-in attempts throttled');
        deps.metrics.signIn('password', 'throttled');
        return render(ctx, 429, { error: throttled, username });
      }

      // A success resets the attempts counted for this account from this address, in the sign-in's own write.
      const result = await deps.users.verifyPassword(account, password, { withSuccess: deps.throttle.successStatement(subject, address) });
      // An account waiting for its e-mail proof, whose password was just proven: verification finishes
      // this same sign-in (the state is told only after the password, like every account state).
      if (!result.ok && result.reason === 'unconfirmed' && account.user?.email && deps.continueToVerification) {
        deps.metrics.signIn('password', 'unconfirmed');
        return deps.continueToVerification(ctx, account.user);
      }
      if (!result.ok) return refuse(ctx, result.reason, username);
      deps.logger.info({ event: 'login.succeeded', userId: result.user.id }, 'login succeeded');
      if (deps.secondFactor && await deps.secondFactor(ctx, result.user, result.amr, account.mfa)) {
        deps.metrics.signIn('password', 'mfa_required');
        return;
      }
      deps.metrics.signIn('password', 'success');
      // The factors this sign-in used become the session's `amr` (and the ID token's); MFA adds its own.
      const returnTo = await finishInteraction(ctx, deps.holder, {
        login: { accountId: result.user.id, amr: [...result.amr], remember: true },
      }, { mergeWithLastSubmission: false });
      ctx.status = 303;
      ctx.redirect(returnTo);
    },
  };
}
