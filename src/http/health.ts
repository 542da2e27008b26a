import Router from '@koa/router';
import type { Database } from '../db/database.js';
import { migrationsApplied, type Migration } from '../db/migrate.js';
import type { Metrics } from './metrics.js';
import { constantTimeEqual } from '../lib/hashing.js';

/**
 * `/healthz`: the process is alive. `/readyz`: the database answers and every migration this build ships is
 * applied. A schema newer than this build (a newer replica or CLI migrated during a rolling upgrade) keeps
 * the replica ready: migrations are additive, so the old code still runs on the expanded schema.
 * `/metrics`: Prometheus text format (counts and latencies only), behind a bearer token when
 * `LATCHKEY_METRICS_TOKEN` is set.
 */
export function healthRoutes(deps: { db: Database; migrations: readonly Migration[]; metrics: Metrics; metricsToken: string | null }): Router {
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
  router.get('/metrics', async (ctx) => {
    ctx.set('Cache-Control', 'no-store');
    if (deps.metricsToken && !constantTimeEqual(ctx.get('authorization'), `Bearer ${deps.metricsToken}`)) {
      ctx.set('WWW-Authenticate', 'Bearer realm="metrics"');
      ctx.status = 401;
      ctx.body = { error: 'invalid_token', error_description: 'metrics need the configured bearer token' };
      return;
    }
    ctx.type = deps.metrics.registry.contentType;
    ctx.body = await deps.metrics.registry.metrics();
  });
  return router;
}
