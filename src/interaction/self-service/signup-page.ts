import { randomUUID } from 'node:crypto';
import type { Context } from 'koa';
import type { PasswordPolicySource } from '../../directory/password-policy-source.js';
import { isEmailShaped } from '../../directory/normalize.js';
import type { UserPoolSettings } from '../../directory/user-pool-settings.js';
import type { UserService } from '../../directory/user-service.js';
import { ConflictError, ForbiddenError, InvalidRequestError } from '../../errors/app-error.js';
import type { RateCounters } from '../../http/rate-counters.js';
import type { WithInput } from '../../http/validate.js';
import type { Logger } from '../../lib/logger.js';
import { clientAddress } from '../client-address.js';
import type { Csrf } from '../csrf.js';
import type { WithInteraction } from '../load-interaction.js';
import type { Views } from '../views.js';
import type { AccountCodes } from './account-codes.js';
import { setPendingStep } from './pending-step.js';
import type { SignupForm } from './self-service.schema.js';
import type { SelfServiceOffer } from './self-service-offer.js';

/** Sign-ups per address and hour: generous for an office behind one NAT, useless for mass registration. */
export const SIGNUPS_PER_ADDRESS_HOUR = 20;

const LABELS: Record<string, string> = { username: 'Username', given_name: 'First name', family_name: 'Last name' };

type FieldErrors = Record<string, string>;

/**
 * Self-service sign-up: the form lists the password rules before anyone submits; the account is created
 * unconfirmed with its password, a code is mailed, and the browser continues to verification, which
 * finishes the app's sign-in. An address that already has an account gets the same next page and no code:
 * the form does not tell who has an account here.
 */
export function createSignupPage(deps: { views: Views; csrf: Csrf; users: UserService; codes: AccountCodes; settings: UserPoolSettings; offer: SelfServiceOffer; policy: PasswordPolicySource; counters: RateCounters; logger: Logger; secureCookies: boolean }) {
  const { views, csrf, users, codes, settings, policy, logger } = deps;

  async function render(ctx: Context & WithInteraction, status: number, values: Partial<Record<string, string>>, errors: FieldErrors = {}, alert?: string) {
    const { uid, clientName } = ctx.interaction;
    const signup = await settings.signup();
    const fields = ['username', 'given_name', 'family_name'].map((name) => ({ name, label: LABELS[name], required: signup.required.includes(name), value: values[name] ?? '', error: errors[name] }));
    const custom = signup.required.filter((name) => name.startsWith('custom:')).map((name) => ({ name, label: name.slice('custom:'.length), required: true, value: values[name] ?? '', error: errors[name] }));
    views.render(ctx, 'signup.njk', {
      title: 'Create your account', uid, csrf: csrf.issue(uid), clientName, fields: [...fields, ...custom], rules: (await policy.current()).rules(),
      email: values.email ?? '', emailError: errors.email, passwordError: errors.password,
      error: alert ?? (Object.keys(errors).length ? 'Check the fields marked below.' : undefined),
    }, status);
  }

  async function ensureOffered(ctx: Context & WithInteraction): Promise<void> {
    if (!(await deps.offer.signupOffered(ctx.interaction))) throw new ForbiddenError('signup_disabled', 'Sign-up is not available here. Ask your administrator for an account.');
  }

  return {
    /** GET /interaction/:uid/signup */
    show: async (ctx: Context & WithInteraction): Promise<void> => {
      await ensureOffered(ctx);
      await render(ctx, 200, {});
    },

    /** POST /interaction/:uid/signup, after validation and CSRF. */
    submit: async (ctx: Context & WithInteraction & WithInput<SignupForm>): Promise<void> => {
      await ensureOffered(ctx);
      const input = ctx.input;
      const values: Record<string, string> = {};
      for (const [key, value] of Object.entries(input)) if (key !== 'password' && key !== 'csrf' && typeof value === 'string') values[key] = value.trim();
      const { required } = await settings.signup();
      const errors: FieldErrors = {};
      if (!values.email) errors.email = 'Enter your e-mail address.';
      else if (!isEmailShaped(values.email)) errors.email = 'This is not an e-mail address.';
      for (const name of required) if (!values[name]) errors[name] = 'This field is required.';
      const broken = (await policy.current()).check(input.password, { email: values.email, username: values.username });
      if (!input.password) errors.password = 'Choose a password.';
      else if (broken.length) errors.password = broken.map((rule) => rule.text).join(' ');
      if (values.username && (await users.findSignInAccount(values.username)).user) errors.username = 'This username is taken.';
      if (Object.keys(errors).length) return render(ctx, 400, values, errors);

      const address = clientAddress(ctx) ?? 'unknown';
      const hits = await deps.counters.hit([`signup:address:${address}`], 3600);
      const count = hits.get(`signup:address:${address}`)!;
      if (count.count > SIGNUPS_PER_ADDRESS_HOUR) {
        ctx.set('Retry-After', String(count.resetsInSeconds));
        return render(ctx, 429, values, {}, 'Too many accounts were created from your network. Try again later.');
      }

      const customAttributes: Record<string, string> = {};
      for (const [key, value] of Object.entries(values)) if (key.startsWith('custom:') && value) customAttributes[key.slice('custom:'.length)] = value;
      const profile: Record<string, string> = {};
      if (values.given_name) profile.given_name = values.given_name;
      if (values.family_name) profile.family_name = values.family_name;
      let pendingSubject: string;
      try {
        const user = await users.create({ email: values.email, username: values.username || undefined, password: input.password, status: 'unconfirmed', emailVerified: false, profile, customAttributes }, { event: 'sign_up.created' });
        await codes.sendVerification(user);
        logger.info({ event: 'signup.created', userId: user.id }, 'account signed up; waiting for e-mail verification');
        pendingSubject = user.id;
      } catch (error) {
        if (error instanceof InvalidRequestError) {
          const fieldErrors: FieldErrors = {};
          for (const detail of error.details ?? []) fieldErrors[detail.path.replace(/^custom_attributes\./, 'custom:')] = detail.message;
          return render(ctx, 400, values, Object.keys(fieldErrors).length ? fieldErrors : { email: error.message });
        }
        if (!(error instanceof ConflictError)) throw error;
        // The address has an account: continue exactly as for a new one, with nothing to verify.
        logger.info({ event: 'signup.existing_address' }, 'sign-up with an address that has an account');
        pendingSubject = randomUUID();
        await codes.standInVerification(pendingSubject);
      }
      setPendingStep(ctx, ctx.interaction.uid, { kind: 'verify', subject: pendingSubject }, deps.secureCookies);
      ctx.status = 303;
      ctx.redirect(`/interaction/${encodeURIComponent(ctx.interaction.uid)}/verify`);
    },
  };
}
