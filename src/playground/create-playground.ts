import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Csrf } from '../interaction/csrf.js';
import type { Views } from '../interaction/views.js';
import type { Clock } from '../lib/clock.js';
import { createSecretBox } from '../lib/secret-box.js';
import type { ClientService } from '../oidc/client-service.js';
import { createInProcessFetch } from './in-process-http.js';
import { PLAYGROUND_CLIENT_ID, playgroundCallbackUrl, playgroundScopes } from './playground-client.js';
import { createPlaygroundCookies } from './playground-cookies.js';
import { createPlaygroundExchange } from './playground-exchange.js';
import { playgroundRoutes } from './playground-routes.js';

/**
 * Turns the playground on or off at start-up. On: its client is created or brought up to date (redirect
 * URI from LATCHKEY_ISSUER, `sts` only with the identity pool) and its routes are returned. Off: the client
 * is removed with everything issued to it, so a playground turned off leaves no usable client or token
 * behind, and the routes are absent (404).
 */
export async function createPlayground(deps: {
  enabled: boolean; issuer: string; productName: string; identityPool: boolean; secrets: readonly string[];
  clients: ClientService; views: Views; csrf: Csrf; clock: Clock; handler: () => (req: IncomingMessage, res: ServerResponse) => void;
}) {
  if (!deps.enabled) {
    await deps.clients.removeInternal(PLAYGROUND_CLIENT_ID);
    return null;
  }
  const scope = playgroundScopes({ identityPool: deps.identityPool });
  await deps.clients.ensureInternal({
    clientId: PLAYGROUND_CLIENT_ID, name: `${deps.productName} playground`, redirectUris: [playgroundCallbackUrl(deps.issuer)],
    scope, grantTypes: ['authorization_code', 'refresh_token'],
  });
  const now = () => deps.clock.now().getTime();
  return playgroundRoutes({
    views: deps.views, csrf: deps.csrf, issuer: deps.issuer, scope, identityPool: deps.identityPool, now,
    cookies: createPlaygroundCookies({ issuer: deps.issuer, box: createSecretBox(deps.secrets), now }),
    exchange: createPlaygroundExchange({ fetch: createInProcessFetch({ handler: deps.handler, issuer: deps.issuer }) }),
  });
}
