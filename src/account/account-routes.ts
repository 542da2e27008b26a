import Router from '@koa/router';
import type { Context, Next } from 'koa';
import type { AttributeService } from '../directory/attribute-service.js';
import type { UserPoolSettings } from '../directory/user-pool-settings.js';
import type { UserService } from '../directory/user-service.js';
import type { LoginThrottle } from '../interaction/login-throttle.js';
import type { Mailer } from '../mail/mailer.js';
import type { RevocationService } from '../identity-pool/revocation-service.js';
import type { ClientService } from '../oidc/client-service.js';
import type { SessionService } from '../oidc/session-service.js';
import type { GroupMapping } from '../federation/group-mapping.js';
import type { AccountLinking } from '../federation/account-linking.js';
import type { FederationStates } from '../federation/federation-states.js';
import type { IdentityService } from '../federation/identity-service.js';
import type { ProviderRegistry } from '../federation/provider-types.js';
import { errorSurface } from '../http/error-surfaces/surface.js';
import { formBody, validate, type WithInput } from '../http/validate.js';
import type { Csrf } from '../interaction/csrf.js';
import { csrfFormSchema, type CsrfForm } from '../interaction/csrf.schema.js';
import type { Views } from '../interaction/views.js';
import type { Clock } from '../lib/clock.js';
import type { Logger } from '../lib/logger.js';
import type { ProviderHolder } from '../oidc/provider-holder.js';
import { appFormSchema, deleteFormSchema, emailCodeFormSchema, emailFormSchema, passwordFormSchema, profileFormSchema, unlinkFormSchema } from './account.schema.js';
import { createProfileForms } from './profile-forms.js';
import { createEmailForms } from './email-forms.js';
import type { EmailChange } from '../directory/email-change.js';
import type { AccountCodes } from '../interaction/self-service/account-codes.js';
import { accountCsrfSubject, createAccountPage } from './account-page.js';
import { loadAccountSession, requireRecentSignIn, type WithAccount } from './account-session.js';
import { createAccountSignIn } from './account-sign-in.js';
import { createIdentityLink } from './identity-link.js';
import { createAccountMfa } from './account-mfa.js';
import type { MfaService } from '../directory/mfa/mfa-service.js';
import { mfaCodeFormSchema } from '../interaction/mfa/mfa.schema.js';
import type { PasskeyService } from '../directory/passkeys/passkey-service.js';
import { passkeyDeleteFormSchema, passkeyRegistrationFormSchema, passkeyRenameFormSchema } from '../interaction/passkey/passkey.schema.js';
import { createAccountPasskeys } from './account-passkeys.js';

export interface AccountDeps {
  holder: ProviderHolder;
  users: UserService;
  identities: IdentityService;
  registry: ProviderRegistry;
  states: FederationStates;
  linking: AccountLinking;
  views: Views;
  csrf: Csrf;
  attributes: AttributeService;
  sessions: SessionService;
  clients: ClientService;
  userPool: UserPoolSettings;
  revocations: Pick<RevocationService, 'requestForGrant'>;
  emailChange: EmailChange;
  codes: AccountCodes;
  groupMapping: GroupMapping;
  throttle: LoginThrottle;
  mailer: Mailer;
  clock: Clock;
  logger: Logger;
  issuer: string;
  /** Two-step verification (TOTP, recovery codes); none: the page has no MFA section. */
  mfa?: MfaService;
  /** Passkeys (add, list, rename, delete); none: the page has no passkey section. */
  passkeys?: PasskeyService;
  /** How recent a sign-in must be to link or unlink a provider. Default 10 minutes. */
  recentSignInSeconds?: number;
}

/**
 * The account page's routes, each a chain: hosted-page error surface → the signed-in user (else sign in)
 * → typed form → CSRF → a recent sign-in for changes to how the user signs in → the handler.
 */
export function accountRoutes(deps: AccountDeps): Router {
  const router = new Router();
  const page = errorSurface('page');
  const signedIn = loadAccountSession(deps);
  const recent = requireRecentSignIn({ clock: deps.clock, maxAgeSeconds: deps.recentSignInSeconds ?? 600 });
  const signIn = createAccountSignIn(deps);
  const accountMfa = deps.mfa && createAccountMfa({ ...deps, mfa: deps.mfa, csrfSubject: accountCsrfSubject });
  // The passkey forms show refusals on the page, which in turn lists the passkeys: the render is looked up late.
  const accountPasskeys = deps.passkeys && createAccountPasskeys({ passkeys: deps.passkeys, logger: deps.logger, render: (ctx, error, status) => accountPage.render(ctx, error, status) });
  const accountPage = createAccountPage({ ...deps, ...(accountMfa ? { mfaSection: accountMfa.section } : {}), ...(accountPasskeys ? { passkeySection: accountPasskeys.section } : {}) });
  const link = createIdentityLink(deps);
  const forms = createProfileForms({ ...deps, page: accountPage });
  const email = createEmailForms({ ...deps, page: accountPage });
  async function checkCsrf(ctx: Context & WithAccount & WithInput<CsrfForm>, next: Next): Promise<void> {
    deps.csrf.verify(accountCsrfSubject(ctx.account.sessionUid), ctx.input.csrf);
    await next();
  }

  router.get('/account/sign-in', page, signIn.start);
  router.get('/account/callback', page, signIn.callback);
  router.get('/account', page, signedIn, accountPage.show);
  router.post('/account/profile', page, signedIn, validate(profileFormSchema, formBody()), checkCsrf, forms.saveProfile);
  router.post('/account/email', page, signedIn, validate(emailFormSchema, formBody()), checkCsrf, recent, email.request);
  router.post('/account/email/verify', page, signedIn, validate(emailCodeFormSchema, formBody()), checkCsrf, email.verify);
  router.post('/account/email/cancel', page, signedIn, validate(csrfFormSchema, formBody()), checkCsrf, email.cancel);
  router.post('/account/password', page, signedIn, validate(passwordFormSchema, formBody()), checkCsrf, forms.changePassword);
  router.post('/account/identities/unlink', page, signedIn, validate(unlinkFormSchema, formBody()), checkCsrf, recent, accountPage.unlink);
  router.post('/account/apps/sign-out', page, signedIn, validate(appFormSchema, formBody()), checkCsrf, accountPage.signOutOfApp);
  router.post('/account/delete', page, signedIn, validate(deleteFormSchema, formBody()), checkCsrf, recent, accountPage.deleteAccount);
  router.post('/account/sign-out-everywhere', page, signedIn, validate(csrfFormSchema, formBody()), checkCsrf, accountPage.signOutEverywhere);
  router.get('/account/link/:name', page, signedIn, recent, link.start);
  router.get('/account/linked/:name', page, signedIn, link.finish);
  if (accountMfa) {
    // Changes to how the user signs in: a recent sign-in, after the CSRF check (as for unlinking).
    router.post('/account/mfa/enrol', page, signedIn, validate(csrfFormSchema, formBody()), checkCsrf, recent, accountMfa.startEnrol);
    router.post('/account/mfa/confirm', page, signedIn, validate(mfaCodeFormSchema, formBody()), checkCsrf, recent, accountMfa.confirmEnrol);
    router.post('/account/mfa/recovery-codes', page, signedIn, validate(csrfFormSchema, formBody()), checkCsrf, recent, accountMfa.regenerateCodes);
    router.post('/account/mfa/disable', page, signedIn, validate(csrfFormSchema, formBody()), checkCsrf, recent, accountMfa.disable);
  }
  if (accountPasskeys) {
    // Changes to how the user signs in: a recent sign-in after the CSRF check, as for MFA and unlinking.
    router.post('/account/passkeys/options', page, signedIn, validate(csrfFormSchema, formBody()), checkCsrf, recent, accountPasskeys.options);
    router.post('/account/passkeys', page, signedIn, validate(passkeyRegistrationFormSchema, formBody()), checkCsrf, recent, accountPasskeys.add);
    router.post('/account/passkeys/rename', page, signedIn, validate(passkeyRenameFormSchema, formBody()), checkCsrf, recent, accountPasskeys.rename);
    router.post('/account/passkeys/delete', page, signedIn, validate(passkeyDeleteFormSchema, formBody()), checkCsrf, recent, accountPasskeys.remove);
  }
  return router;
}
