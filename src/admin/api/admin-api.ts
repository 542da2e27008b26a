import type Router from '@koa/router';
import type { Services } from '../../services.js';
import type { AccessTokenVerifier } from '../../oidc/access-token-verifier.js';
import { packageVersion } from '../../lib/package-version.js';
import { adminBearer } from './admin-auth.js';
import type { AdminRoute } from './admin-route.js';
import { adminRouter } from './admin-router.js';
import { auditRoutes } from './audit/audit.routes.js';
import { adminMemberRoutes } from './admins/admins.routes.js';
import { attributeRoutes } from './attributes/attributes.routes.js';
import { clientRoutes } from './clients/clients.routes.js';
import { groupRoutes } from './groups/groups.routes.js';
import { keyRoutes } from './keys/keys.routes.js';
import { providerRoutes } from './providers/providers.routes.js';
import { roleRoutes } from './roles/roles.routes.js';
import { settingsRoutes } from './settings/settings.routes.js';
import { buildOpenApiDocument } from './openapi.js';
import { userRoutes } from './users/users.routes.js';
import { transferRoutes } from './transfer/transfer.routes.js';

/** Every admin operation, in the order the OpenAPI document lists them. */
export function adminRouteTable(services: Services): AdminRoute[] {
  return [
    // Before /users/:user, which would otherwise take `import` and `export` for user names.
    ...transferRoutes(services),
    ...userRoutes(services),
    ...groupRoutes(services),
    ...clientRoutes(services),
    ...adminMemberRoutes(services),
    ...roleRoutes(services),
    ...providerRoutes(services),
    ...settingsRoutes(services),
    ...attributeRoutes(services),
    ...keyRoutes(services),
    ...auditRoutes(services),
  ];
}

/**
 * The admin REST API under `/admin/v1`, and its OpenAPI 3.1 document at `/admin/v1/openapi.json` (public: it
 * describes operations, never data).
 */
export function adminApi(deps: { services: Services; verifier: AccessTokenVerifier; issuer: string; productName: string }): Router {
  const routes = adminRouteTable(deps.services);
  let document: Record<string, unknown> | undefined;
  return adminRouter({
    routes,
    bearer: adminBearer({ verifier: deps.verifier, admins: deps.services.admins, audience: deps.issuer }),
    audit: deps.services.audit,
    extra: (router) => {
      router.get('/openapi.json', (ctx) => {
        document ??= buildOpenApiDocument(routes, { issuer: deps.issuer, version: packageVersion(), productName: deps.productName });
        ctx.set('Cache-Control', 'public, max-age=300');
        ctx.body = document;
      });
    },
  });
}
