import { join } from 'node:path';
import { freePort } from '../../test/support/test-server.js';
import { startChildServer } from './child-process.js';
import { APP, BENCH_PASSWORD, BENCH_REDIRECT_URI, SERVICE, type BenchClient, type ServerTarget } from './latchkey.js';

/** The bare library's third client, whose opaque access tokens are read at userinfo and introspection. */
export const BARE_READER: BenchClient = { id: 'bench-reader', secret: APP.secret };

/** The bare oidc-provider (bench/bare-provider.ts) in a process of its own, with the benchmark's two clients, its reader and the bench users' password. */
export async function startBareProvider(): Promise<ServerTarget> {
  const port = await freePort();
  const url = `http://127.0.0.1:${port}`;
  const server = await startChildServer(process.execPath, [join(import.meta.dirname, '..', 'bare-provider.js')], {
    env: { BARE_PORT: String(port), BARE_SERVICE_SECRET: SERVICE.secret, BARE_APP_SECRET: APP.secret, BARE_REDIRECT_URI: BENCH_REDIRECT_URI, BARE_PASSWORD: BENCH_PASSWORD },
    readyUrl: `${url}/readyz`,
  });
  return { name: 'bare oidc-provider (memory)', url, server, service: SERVICE, app: APP, stop: () => server.stop() };
}
