import * as oidc from 'openid-client';
import { afterAll, beforeAll } from 'vitest';
import type { Clock } from '../../src/lib/clock.js';
import { createMigratedTestDatabase, type TestDatabase } from './backend.js';
import { startTestServer, type TestServer } from './test-server.js';

/** A relying-party configuration for a client registered on `server`. */
export function discover(server: TestServer, client: { client_id: string; client_secret?: string }): Promise<oidc.Configuration> {
  return oidc.discovery(new URL(server.issuer), client.client_id, client.client_secret ?? '', undefined, { execute: [oidc.allowInsecureRequests] });
}

/**
 * Registers beforeAll/afterAll hooks that give the test file a fresh database and a running Latchkey,
 * and returns a handle whose fields are set once beforeAll ran.
 */
export function useTestServer(options: { extraEnv?: Record<string, string>; clock?: Clock } = {}): { readonly server: TestServer; readonly database: TestDatabase } {
  const handle = {} as { server: TestServer; database: TestDatabase };
  beforeAll(async () => {
    handle.database = await createMigratedTestDatabase();
    handle.server = await startTestServer({ env: handle.database.env, ...(options.extraEnv ? { extraEnv: options.extraEnv } : {}), ...(options.clock ? { clock: options.clock } : {}) });
  });
  afterAll(async () => {
    await handle.server?.close();
    await handle.database?.drop();
  });
  return handle;
}
