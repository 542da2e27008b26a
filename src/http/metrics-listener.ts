import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import Koa from 'koa';
import type { Registry } from 'prom-client';
import type { Logger } from '../lib/logger.js';
import { metricsEndpoint } from './metrics-endpoint.js';

export interface MetricsListener {
  /** The port it listens on (the configured one, or the OS's pick for 0). */
  readonly port: number;
  close(): Promise<void>;
}

/**
 * The separate metrics listener (`LATCHKEY_METRICS_PORT` on `LATCHKEY_METRICS_HOST`): `GET /metrics` and
 * nothing else, so a scrape port opened to a monitoring network exposes no sign-in page, token endpoint or
 * admin API. Its requests are not counted in the HTTP metrics: scrapes would only measure themselves.
 */
export async function startMetricsListener(deps: { registry: Registry; token: string | null; host: string; port: number; logger: Logger }): Promise<MetricsListener> {
  const app = new Koa();
  app.on('error', (error: unknown) => deps.logger.warn({ err: error }, 'metrics request failed'));
  app.use(metricsEndpoint({ registry: deps.registry, token: deps.token }).routes());
  const handle = app.callback();
  const server = createServer((req, res) => { void handle(req, res); });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(deps.port, deps.host, () => resolve());
  });
  const { port } = server.address() as AddressInfo;
  deps.logger.info({ host: deps.host, port }, 'metrics listening');
  return {
    port,
    close: () => new Promise<void>((resolve) => {
      server.close(() => resolve());
      server.closeAllConnections();
    }),
  };
}
