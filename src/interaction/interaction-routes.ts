import Router from '@koa/router';
import type { Context, Next } from 'koa';
import type { UserService } from '../directory/user-service.js';
import { InteractionError } from '../errors/app-error.js';
import { errorSurface } from '../http/error-surfaces/surface.js';
import type { Metrics } from '../http/metrics.js';
import { formBody, validate } from '../http/validate.js';
import type { Logger } from '../lib/logger.js';
import type { ProviderHolder } from '../oidc/provider-holder.js';
import type { DeferredModelWrites } from '../oidc/deferred-model-writes.js';
import { abortInteraction } from './abort.js';
import { checkCsrf, type Csrf } from './csrf.js';
import { csrfFormSchema } from './csrf.schema.js';
import { loadInteraction, requirePrompt, type WithInteraction } from './load-interaction.js';
import type { LoginThrottle } from './login-throttle.js';
import { createConsentPrompt } from './prompts/consent.js';
import { consentFormSchema } from './prompts/consent.schema.js';
import { createLoginPrompt, type LoginPromptDeps } from './prompts/login.js';
import { loginFormSchema } from './prompts/login.schema.js';
import type { Views } from './views.js';
import type { PasskeyService } from '../directory/passkeys/passkey-service.js';
import { createPasskeySignIn } from './passkey/passkey-sign-in.js';
import { switchAccount } from './switch-account.js';
import { passkeyAssertionFormSchema } from './passkey/passkey.schema.js';

export interface InteractionDeps {
  throttle: LoginThrottle;
  metrics: Pick<Metrics, 'signIn'>;
  holder: ProviderHolder;
  /** The held writes to oidc_model: the consent form's grant and result are made in one statement. */
  modelWrites: Pick<DeferredModelWrites, 'within'>;
  users: UserService;
  views: Views;
  csrf: Csrf;
  logger: Logger;
  /** The self-service step before the sign-in page (whether it offers sign-up); none: no self-service links. */
  offerSelfService?: (ctx: Context & WithInteraction, next: Next) => Promise<void>;
  /** Sends an unconfirmed account that proved its password to e-mail verification. */
  continueToVerification?: LoginPromptDeps['continueToVerification'];
  /** The MFA step after a proven password (see LoginPromptDeps.secondFactor). */
  secondFactor?: LoginPromptDeps['secondFactor'];
  /** Passwordless sign-in with a passkey; none: the page has no passkey button. */
  passkeys?: PasskeyService;
}

/**
 * The hosted pages of a sign-in, one module per prompt (prompts/). Every route is a chain of named steps:
 * hosted-page error surface → load the interaction (bound to its cookie) → validate the form → CSRF → the
 * prompt's handler. `GET /interaction/:uid` shows whichever prompt the provider is waiting for.
 */
export function interactionRoutes(deps: InteractionDeps): Router {
  const router = new Router();
  const page = errorSurface('page');
  const load = loadInteraction(deps.holder);
  const csrf = checkCsrf(deps.csrf);
  const login = createLoginPrompt({ ...deps, passkeySignIn: deps.passkeys !== undefined });
  const consent = createConsentPrompt(deps);
  const prompts: Record<string, (ctx: Context & WithInteraction) => void | Promise<void>> = { login: login.show, consent: consent.show };

  async function showPrompt(ctx: Context & WithInteraction): Promise<void> {
    const show = prompts[ctx.interaction.details.prompt.name];
    if (!show) throw new InteractionError('unsupported_prompt', 'This sign-in step is not supported.');
    await show(ctx);
  }

  const offer = deps.offerSelfService ?? ((_ctx: Context, next: Next) => next());
  router.get('/interaction/:uid', page, load, offer, showPrompt);
  router.post('/interaction/:uid/login', page, load, requirePrompt('login'), offer, login.showFormAgainOnMalformedText, validate(loginFormSchema, formBody()), csrf, login.submit);
  router.post('/interaction/:uid/consent', page, load, requirePrompt('consent'), validate(consentFormSchema, formBody()), csrf, consent.submit);
  router.post('/interaction/:uid/switch-account', page, load, requirePrompt('consent'), validate(csrfFormSchema, formBody()), csrf, switchAccount(deps.holder));
  if (deps.passkeys) {
    const passkey = createPasskeySignIn({ ...deps, passkeys: deps.passkeys, showSignIn: login.showError });
    router.post('/interaction/:uid/passkey/options', page, load, requirePrompt('login'), validate(csrfFormSchema, formBody()), csrf, passkey.options);
    router.post('/interaction/:uid/passkey', page, load, requirePrompt('login'), validate(passkeyAssertionFormSchema, formBody()), csrf, passkey.submit);
  }
  router.post('/interaction/:uid/abort', page, load, validate(csrfFormSchema, formBody()), csrf, abortInteraction(deps.holder));
  return router;
}
