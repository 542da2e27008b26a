import Router from '@koa/router';
import type { Context } from 'koa';
import type { Views } from '../interaction/views.js';
import { PLAYGROUND_PATH } from '../playground/playground-client.js';
import { databaseLabel, type DatabaseDescription } from './describe-database.js';
import { packageVersion } from '../lib/package-version.js';

/** The CLI commands a newcomer runs next, in order (also printed at start-up). */
export const NEXT_COMMANDS = [
  'npx latchkey user create --email you@example.com --password -',
  'npx latchkey client create --name "My App" --redirect-uri http://localhost:8080/callback',
] as const;

/**
 * `GET /`: what is running and what to do next. Outside production it names the version, the database
 * (never a credential: see describe-database.ts), the CLI's next commands and the playground. In
 * production it shows the product and its discovery URL only: operational details help nobody there but
 * an attacker. Every URL comes from LATCHKEY_ISSUER, never from the request's Host.
 */
export function landingRoutes(deps: { views: Views; issuer: string; production: boolean; playground: boolean; database: DatabaseDescription }): Router {
  const router = new Router();
  const base = deps.issuer.replace(/\/+$/, '');
  const discoveryUrl = `${base}/.well-known/openid-configuration`;
  const details = deps.production ? null : {
    version: packageVersion(),
    database: databaseLabel(deps.database),
    commands: [...NEXT_COMMANDS],
    playgroundUrl: deps.playground ? `${base}${PLAYGROUND_PATH}` : null,
    accountUrl: `${base}/account`,
  };
  router.get('/', (ctx: Context) => {
    deps.views.render(ctx, 'landing.njk', { title: 'Welcome', issuer: base, discoveryUrl, details });
  });
  return router;
}
