import Router from '@koa/router';
import { errorSurface } from '../http/error-surfaces/surface.js';
import { formBody, queryString, validate } from '../http/validate.js';
import { loadInteraction, requirePrompt } from '../interaction/load-interaction.js';
import { createClientService } from '../oidc/client-service.js';
import type { ProviderHolder } from '../oidc/provider-holder.js';
import { callbackSchema } from './federation.schema.js';
import type { Database } from '../db/database.js';
import { createGroupService } from '../directory/group-service.js';
import type { UserService } from '../directory/user-service.js';
import type { Logger } from '../lib/logger.js';
import { createSecretBox } from '../lib/secret-box.js';
import { createAccountLinking } from './account-linking.js';
import { createFederationFlow, type FederationFlow } from './federation-flow.js';
import { createFederationStates } from './federation-states.js';
import { createGroupMapping } from './group-mapping.js';
import type { ProviderRegistry } from './provider-registry.js';

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
export function createFederationRoutes(deps: { db: Database; secrets: readonly string[]; holder: ProviderHolder; users: UserService; registry: ProviderRegistry; logger: Logger; issuer: string }): Router {
  const states = createFederationStates({ db: deps.db, box: createSecretBox(deps.secrets), secrets: deps.secrets });
  const linking = createAccountLinking({ db: deps.db, users: deps.users, logger: deps.logger });
  // Stateless over the database, like the services.ts instance the CLI uses.
  const groupMapping = createGroupMapping({ db: deps.db, groups: createGroupService({ db: deps.db, users: deps.users }), registry: deps.registry, logger: deps.logger });
  const flow = createFederationFlow({ holder: deps.holder, registry: deps.registry, states, linking, groupMapping, clients: createClientService({ db: deps.db }), logger: deps.logger, issuer: deps.issuer });
  return federationRoutes({ holder: deps.holder, flow });
}
