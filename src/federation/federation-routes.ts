import Router from '@koa/router';
import { errorSurface } from '../http/error-surfaces/surface.js';
import { formBody, queryString, validate } from '../http/validate.js';
import { loadInteraction, requirePrompt } from '../interaction/load-interaction.js';
import type { ProviderHolder } from '../oidc/provider-holder.js';
import { callbackSchema } from './federation.schema.js';
import { createFederationFlow, type FederationFlow, type FederationFlowDeps } from './federation-flow.js';

/**
 * The routes of a federated sign-in, registered before the hosted pages: the sign-in page's pre-step
 * (buttons, `identity_provider`), the start, the callback (query or `form_post`) and the finish. Each is
 * a chain: hosted-page error surface → load the interaction where there is one → typed input → handler.
 */
export function federationRoutes(deps: { holder: ProviderHolder; flow: FederationFlow }): Router {
  const router = new Router();
  const page = errorSurface('page');
  const load = loadInteraction(deps.holder);
  const { flow } = deps;
  router.get('/interaction/:uid', page, load, flow.offerUpstreams);
  router.post('/interaction/:uid/login', flow.listButtons);
  router.get('/interaction/:uid/federation/:name', page, load, requirePrompt('login'), flow.start);
  router.get('/federation/callback/:name', page, validate(callbackSchema, queryString), flow.callback);
  router.post('/federation/callback/:name', page, validate(callbackSchema, formBody()), flow.callback);
  router.get('/interaction/:uid/federated/:name', page, load, requirePrompt('login'), flow.finish);
  return router;
}

/** Builds the federation feature's routes from the app's parts (wired once in app.ts). */
export function createFederationRoutes(deps: FederationFlowDeps): Router {
  return federationRoutes({ holder: deps.holder, flow: createFederationFlow(deps) });
}
