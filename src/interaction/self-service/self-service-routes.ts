import Router from '@koa/router';
import type { Context, Next } from 'koa';
import { errorSurface } from '../../http/error-surfaces/surface.js';
import { formBody, queryString, validate } from '../../http/validate.js';
import { checkCsrf, type Csrf } from '../csrf.js';
import { csrfFormSchema } from '../csrf.schema.js';
import { loadInteraction, requirePrompt, type WithInteraction } from '../load-interaction.js';
import type { WithSelfService } from '../prompts/login.js';
import type { ProviderHolder } from '../../oidc/provider-holder.js';
import type { createResetPages } from './reset-pages.js';
import type { SelfServiceOffer } from './self-service-offer.js';
import { forgotFormSchema, resetFormSchema, signupFormSchema, verifyFormSchema } from './self-service.schema.js';
import type { createSignupPage } from './signup-page.js';
import { verifyLinkSchema, type createVerifyLinkPage } from './verify-link-page.js';
import type { createVerifyPage } from './verify-page.js';

export interface SelfServicePages {
  offer: SelfServiceOffer;
  signup: ReturnType<typeof createSignupPage>;
  verify: ReturnType<typeof createVerifyPage>;
  reset: ReturnType<typeof createResetPages>;
  verifyLink: ReturnType<typeof createVerifyLinkPage>;
}

/** The step before the sign-in page: whether it offers sign-up (the pool and the app allow it), asked when the page renders. */
export function offerSelfService(offer: SelfServiceOffer) {
  return async function offerSelfServiceStep(ctx: Context & WithInteraction & WithSelfService, next: Next): Promise<void> {
    const { interaction } = ctx;
    ctx.signupOffered = async () => interaction.details.prompt.name === 'login' && await offer.signupOffered(interaction);
    await next();
  };
}

/**
 * Sign-up, verification and password reset inside a sign-in (the interaction waits at its `login` prompt),
 * plus the mailed verification link, which works outside one. Each route is a chain: hosted-page error
 * surface → the interaction bound to its cookie → the login prompt → typed form → CSRF → the page.
 */
export function selfServiceRoutes(deps: { holder: ProviderHolder; csrf: Csrf; pages: SelfServicePages }): Router {
  const router = new Router();
  const page = errorSurface('page');
  const load = loadInteraction(deps.holder);
  const login = requirePrompt('login');
  const csrf = checkCsrf(deps.csrf);
  const { signup, verify, reset, verifyLink } = deps.pages;
  const base = '/interaction/:uid';
  router.get(`${base}/signup`, page, load, login, signup.show);
  router.post(`${base}/signup`, page, load, login, validate(signupFormSchema, formBody()), csrf, signup.submit);
  router.get(`${base}/verify`, page, load, login, verify.show);
  router.post(`${base}/verify`, page, load, login, validate(verifyFormSchema, formBody()), csrf, verify.submit);
  router.post(`${base}/verify/resend`, page, load, login, validate(csrfFormSchema, formBody()), csrf, verify.resend);
  router.get(`${base}/forgot`, page, load, login, reset.showForgot);
  router.post(`${base}/forgot`, page, load, login, validate(forgotFormSchema, formBody()), csrf, reset.submitForgot);
  router.get(`${base}/reset`, page, load, login, reset.showReset);
  router.post(`${base}/reset`, page, load, login, validate(resetFormSchema, formBody()), csrf, reset.submitReset);
  router.get('/verify-email', page, validate(verifyLinkSchema, queryString), verifyLink.show);
  router.post('/verify-email', page, validate(verifyLinkSchema, formBody()), verifyLink.submit);
  return router;
}
