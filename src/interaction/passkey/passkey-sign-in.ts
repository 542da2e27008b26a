import type { Context } from 'koa';
import { accountRefusal } from '../../directory/account-state.js';
import type { PasskeyService } from '../../directory/passkeys/passkey-service.js';
import type { UserService } from '../../directory/user-service.js';
import type { Metrics } from '../../http/metrics.js';
import type { WithInput } from '../../http/validate.js';
import type { Logger } from '../../lib/logger.js';
import type { ProviderHolder } from '../../oidc/provider-holder.js';
import { clientAddress } from '../client-address.js';
import { finishInteraction, type WithInteraction } from '../load-interaction.js';
import { admitAttempt, type AttemptSubject, type LoginThrottle } from '../login-throttle.js';
import { passkeyAmr } from './passkey-amr.js';
import type { PasskeyAssertionForm } from './passkey.schema.js';

type Page = Context & WithInteraction;

/** The sign-in page again with an alert (the login prompt's own rendering). */
export type ShowSignIn = (ctx: Page, status: number, error: string) => Promise<void>;

const NOT_USED = 'No passkey was used. Try again, or sign in with your password.';
const NOT_VERIFIED = 'That passkey could not be verified for this sign-in. Try again, or sign in with your password.';
const NO_ADDRESS = 'Your network address could not be determined. Try again, or contact your administrator.';
const REFUSALS = {
  disabled: 'This account is disabled. Contact your administrator.',
  unconfirmed: 'This account is not confirmed yet. Confirm it with the link or code you were sent, or contact your administrator.',
  reset_required: 'A password reset is required for this account. Reset your password, or contact your administrator.',
} as const;

/** What binds a passwordless ceremony's challenge: the interaction (its uid is the path-scoped cookie's value). */
export const signInBinding = (uid: string) => `interaction:${uid}`;

/**
 * Passwordless sign-in with a passkey (a discoverable credential): `POST …/passkey/options` answers the
 * request options as JSON, with a challenge bound to this interaction; `POST …/passkey` takes the assertion
 * in a form field → the account the credential belongs to is counted against the throttle with the address
 * (as a password attempt is) → the assertion is verified (challenge once, origin and RP ID from the issuer,
 * user verification required, the counter must grow) → the account's state → the sign-in finishes.
 */
export function createPasskeySignIn(deps: { passkeys: PasskeyService; users: UserService; throttle: LoginThrottle; holder: ProviderHolder; logger: Logger; metrics: Pick<Metrics, 'signIn'>; showSignIn: ShowSignIn }) {
  const { passkeys, logger } = deps;
  return {
    /** POST /interaction/:uid/passkey/options */
    options: async (ctx: Page): Promise<void> => {
      ctx.set('Cache-Control', 'no-store');
      ctx.body = await passkeys.authenticationOptions(signInBinding(ctx.interaction.uid));
    },

    /** POST /interaction/:uid/passkey */
    submit: async (ctx: Page & WithInput<PasskeyAssertionForm>): Promise<void> => {
      const response = ctx.input.credential;
      if (!response) return deps.showSignIn(ctx, 400, NOT_USED);
      const address = clientAddress(ctx);
      if (!address) return deps.showSignIn(ctx, 400, NO_ADDRESS);
      // Counted against the account the credential names, before any verification; an unknown credential
      // is counted under its own ID, so guessing IDs is bounded by the address limit.
      const owner = await passkeys.ownerOf(response.id);
      const subject: AttemptSubject = owner ? { userId: owner } : { identifier: `passkey:${response.id}` };
      const throttled = await admitAttempt(deps.throttle, ctx, subject, address);
      if (throttled) {
        logger.warn({ event: 'passkey.throttled' }, 'passkey sign-in attempts throttled');
        deps.metrics.signIn('passkey', 'throttled');
        return deps.showSignIn(ctx, 429, throttled);
      }
      const result = await passkeys.authenticate(signInBinding(ctx.interaction.uid), response);
      if (!result.ok) {
        logger.info({ event: 'passkey.failed', reason: result.reason, detail: result.detail, userId: owner }, 'passkey sign-in refused');
        deps.metrics.signIn('passkey', 'invalid_credentials');
        return deps.showSignIn(ctx, 401, NOT_VERIFIED);
      }
      const { proof } = result;
      const user = await deps.users.findById(proof.userId);
      const refusal = user ? accountRefusal(user) : 'disabled';
      // The passkey proved who this is, so the account's state may be told, as after a proven password.
      if (refusal) {
        logger.info({ event: 'passkey.refused', reason: refusal, userId: proof.userId }, 'passkey sign-in refused: account state');
        deps.metrics.signIn('passkey', refusal);
        return deps.showSignIn(ctx, 403, REFUSALS[refusal]);
      }
      await deps.throttle.succeeded(subject, address);
      logger.info({ event: 'passkey.signed_in', userId: proof.userId }, 'signed in with a passkey');
      deps.metrics.signIn('passkey', 'success');
      // User verification was required: the key (had) and the PIN or biometric (known or been) are two factors.
      const returnTo = await finishInteraction(ctx, deps.holder, {
        login: { accountId: proof.userId, amr: [...passkeyAmr(proof), 'mfa'], remember: true },
      }, { mergeWithLastSubmission: false });
      ctx.status = 303;
      ctx.redirect(returnTo);
    },
  };
}
