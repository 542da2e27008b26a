import Router from '@koa/router';
import { errorSurface } from '../../http/error-surfaces/surface.js';
import { formBody, validate } from '../../http/validate.js';
import type { ProviderHolder } from '../../oidc/provider-holder.js';
import { checkCsrf, type Csrf } from '../csrf.js';
import { csrfFormSchema } from '../csrf.schema.js';
import { loadInteraction, requirePrompt } from '../load-interaction.js';
import type { createMfaPages } from './mfa-pages.js';
import { mfaCodeFormSchema } from './mfa.schema.js';
import { passkeyAssertionFormSchema } from '../passkey/passkey.schema.js';

/**
 * The second factor inside a sign-in (the interaction still waits at its `login` prompt). Each route is a
 * chain: hosted-page error surface → the interaction bound to its cookie → the login prompt → typed form →
 * CSRF → the page, which then requires the pending-step cookie of a proven password.
 */
export function mfaInteractionRoutes(deps: { holder: ProviderHolder; csrf: Csrf; pages: ReturnType<typeof createMfaPages> }): Router {
  const router = new Router();
  const page = errorSurface('page');
  const load = loadInteraction(deps.holder);
  const login = requirePrompt('login');
  const csrf = checkCsrf(deps.csrf);
  const { pages } = deps;
  const base = '/interaction/:uid/mfa';
  router.get(base, page, load, login, pages.showChallenge);
  router.post(base, page, load, login, validate(mfaCodeFormSchema, formBody()), csrf, pages.submitChallenge);
  router.post(`${base}/passkey/options`, page, load, login, validate(csrfFormSchema, formBody()), csrf, pages.passkeyOptions);
  router.post(`${base}/passkey`, page, load, login, validate(passkeyAssertionFormSchema, formBody()), csrf, pages.submitPasskey);
  router.get(`${base}/enrol`, page, load, login, pages.showEnrol);
  router.post(`${base}/enrol`, page, load, login, validate(mfaCodeFormSchema, formBody()), csrf, pages.submitEnrol);
  router.post(`${base}/done`, page, load, login, validate(csrfFormSchema, formBody()), csrf, pages.done);
  return router;
}
