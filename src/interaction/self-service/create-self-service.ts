import type { Context } from 'koa';
import type { Database } from '../../db/database.js';
import type { PasswordPolicySource } from '../../directory/password-policy-source.js';
import type { UserRow } from '../../directory/repositories/user.repository.js';
import type { UserPoolSettings } from '../../directory/user-pool-settings.js';
import type { EmailChange } from '../../directory/email-change.js';
import type { UserService } from '../../directory/user-service.js';
import type { Metrics } from '../../http/metrics.js';
import type { RateCounters } from '../../http/rate-counters.js';
import type { Logger } from '../../lib/logger.js';
import type { Mailer } from '../../mail/mailer.js';
import type { ProviderHolder } from '../../oidc/provider-holder.js';
import type { Csrf } from '../csrf.js';
import type { WithInteraction } from '../load-interaction.js';
import type { LoginThrottle } from '../login-throttle.js';
import type { Views } from '../views.js';
import type { LoginPromptDeps } from '../prompts/login.js';
import { createAccountCodes, type AccountCodes } from './account-codes.js';
import { setPendingStep } from './pending-step.js';
import { createResetPages } from './reset-pages.js';
import { createSelfServiceOffer } from './self-service-offer.js';
import type { SelfServicePages } from './self-service-routes.js';
import { createSignupPage } from './signup-page.js';
import { createVerifyLinkPage } from './verify-link-page.js';
import { createVerifyPage } from './verify-page.js';

export interface SelfServiceDeps {
  db: Database;
  secrets: readonly string[];
  users: UserService;
  emailChange: EmailChange;
  settings: UserPoolSettings;
  signupAllowedFor: (clientId: string) => Promise<boolean>;
  policy: PasswordPolicySource;
  mailer: Mailer;
  counters: RateCounters;
  throttle: LoginThrottle;
  holder: ProviderHolder;
  views: Views;
  csrf: Csrf;
  logger: Logger;
  /** A sign-in that verification finishes is counted as a password sign-in. */
  metrics: Pick<Metrics, 'signIn'>;
  issuer: string;
  /** The MFA step after a proven password: verification that finishes a sign-in goes through it too. */
  secondFactor?: LoginPromptDeps['secondFactor'];
}

/** The self-service pages and the hook the sign-in form uses for an unconfirmed account. */
export function createSelfService(deps: SelfServiceDeps): { pages: SelfServicePages; codes: AccountCodes; continueToVerification: (ctx: Context & WithInteraction, user: UserRow) => Promise<void> } {
  const secureCookies = deps.issuer.startsWith('https:');
  const codes = createAccountCodes(deps);
  const offer = createSelfServiceOffer(deps);
  const pages: SelfServicePages = {
    offer,
    signup: createSignupPage({ ...deps, codes, offer, secureCookies }),
    verify: createVerifyPage({ ...deps, codes, secureCookies }),
    reset: createResetPages({ ...deps, codes, secureCookies }),
    verifyLink: createVerifyLinkPage({ ...deps, codes }),
  };
  async function continueToVerification(ctx: Context & WithInteraction, user: UserRow): Promise<void> {
    // Within the cool-down the earlier code is still good: the page says a code was sent either way.
    await codes.sendVerification(user);
    setPendingStep(ctx, ctx.interaction.uid, { kind: 'verify', subject: user.id }, secureCookies);
    deps.logger.info({ event: 'login.unconfirmed_to_verification', userId: user.id }, 'unconfirmed account sent to verification');
    ctx.status = 303;
    ctx.redirect(`/interaction/${encodeURIComponent(ctx.interaction.uid)}/verify`);
  }
  return { pages, codes, continueToVerification };
}
