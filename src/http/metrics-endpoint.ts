import Router from '@koa/router';
import type { Registry } from 'prom-client';
import { constantTimeEqual } from '../lib/hashing.js';

/**
 * `GET /metrics`: Prometheus text format (counts and latencies only), behind a bearer token when
 * `LATCHKEY_METRICS_TOKEN` is set. Mounted on the main port, or alone on the metrics listener
 * (`LATCHKEY_METRICS_PORT`), never both.
 */
export function metricsEndpoint(deps: { registry: Registry; token: string | null }): Router {
  const router = new Router();
  router.get('/metrics', async (ctx) => {
    ctx.set('Cache-Control', 'no-store');
    if (deps.token && !constantTimeEqual(ctx.get('authorization'), `Bearer ${deps.token}`)) {
      ctx.set('WWW-Authenticate', 'Bearer realm="metrics"');
      ctx.status = 401;
      ctx.body = { error: 'invalid_token', error_description: 'metrics need the configured bearer token' };
      return;
    }
    ctx.type = deps.registry.contentType;
    ctx.body = await deps.registry.metrics();
  });
  return router;
}
