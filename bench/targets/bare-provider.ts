import { join } from 'node:path';
import { freePort } from '../../test/support/test-server.js';
import { startChildServer, type ChildServer } from './child-process.js';
import { BENCH_REDIRECT_URI, type BenchClient } from './latchkey.js';

export interface BareTarget {
  name: string;
  url: string;
  server: ChildServer;
  service: BenchClient;
  app: BenchClient;
  stop(): Promise<void>;
}

/** The bare oidc-provider (bench/bare-provider.ts) in a process of its own, with the benchmark's two clients. */
export async function startBareProvider(): Promise<BareTarget> {
  const port = await freePort();
  const url = `http://127.0.0.1:${port}`;
  const service = { id: 'bench-service', secret: 'bench-service-secret-0123456789abcdef' };
  const app = { id: 'bench-app', secret: 'bench-app-secret-0123456789abcdef0123' };
  const server = await startChildServer(process.execPath, [join(import.meta.dirname, '..', 'bare-provider.js')], {
    env: { BARE_PORT: String(port), BARE_SERVICE_SECRET: service.secret, BARE_APP_SECRET: app.secret, BARE_REDIRECT_URI: BENCH_REDIRECT_URI },
    readyUrl: `${url}/readyz`,
  });
  return { name: 'bare oidc-provider (memory)', url, server, service, app, stop: () => server.stop() };
}
