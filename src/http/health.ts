import Router from '@koa/router';
import type { Database } from '../db/database.js';
import { migrationsApplied, type Migration } from '../db/migrate.js';

/**
 * `/healthz`: the process is alive. `/readyz`: the database answers and every migration this build ships is
 * applied. A schema newer than this build (a newer replica or CLI migrated during a rolling upgrade) keeps
 * the replica ready: migrations are additive, so the old code still runs on the expanded schema.
 * (`/metrics` is `metrics-endpoint.ts`.)
 */
export function healthRoutes(deps: { db: Database; migrations: readonly Migration[] }): Router {
  const router = new Router();
  router.get('/healthz', (ctx) => {
    ctx.set('Cache-Control', 'no-store');
    ctx.body = { status: 'ok' };
  });
  router.get('/readyz', async (ctx) => {
    ctx.set('Cache-Control', 'no-store');
    const ready = await migrationsApplied(deps.db, deps.migrations);
    ctx.status = ready ? 200 : 503;
    ctx.body = { status: ready ? 'ready' : 'not_ready', database: ready ? 'ok' : 'unavailable or not migrated' };
  });
  return router;
}
