import * as oidc from 'openid-client';
import { createRemoteJWKSet, decodeProtectedHeader, jwtVerify } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestDatabase, currentBackend, type TestDatabase } from '../support/backend.js';
import { startTestServer, type TestServer } from '../support/test-server.js';

describe(`signing key rotation (${currentBackend()})`, () => {
  let database: TestDatabase;
  let server: TestServer;
  let config: oidc.Configuration;

  beforeAll(async () => {
    database = await createTestDatabase();
    // Poll for rotated keys every second, as a replica that did not run the rotation would.
    server = await startTestServer({ env: database.env, extraEnv: { LATCHKEY_KEY_REFRESH_SECONDS: '1' } });
    const created = await server.latchkey.services.clients.create({ name: 'Worker', grantTypes: ['client_credentials'], scope: 'jobs:run' });
    config = await oidc.discovery(new URL(server.issuer), created.client_id, created.client_secret!, undefined, { execute: [oidc.allowInsecureRequests] });
  });
  afterAll(async () => {
    await server?.close();
    await database?.drop();
  });

  async function jwksKids(): Promise<string[]> {
    const body = await (await fetch(`${server.issuer}/jwks`)).json() as { keys: { kid: string; d?: string }[] };
    for (const key of body.keys) expect(key).not.toHaveProperty('d'); // never a private part
    return body.keys.map((k) => k.kid);
  }

  it('keeps old tokens verifiable and signs new ones with the new key', async () => {
    const before = await oidc.clientCredentialsGrant(config, { scope: 'jobs:run' });
    const oldKid = decodeProtectedHeader(before.access_token).kid!;
    expect(await jwksKids()).toEqual([oldKid]);

    const rotated = await server.latchkey.services.keys.rotate();
    expect(rotated.retired).toBe(1);
    // The running server notices within its refresh interval, without a restart.
    const deadline = Date.now() + 10_000;
    while ((await jwksKids()).length < 2 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 200));
    expect(await jwksKids()).toEqual([rotated.kid, oldKid]);

    const after = await oidc.clientCredentialsGrant(config, { scope: 'jobs:run' });
    expect(decodeProtectedHeader(after.access_token).kid).toBe(rotated.kid);

    const jwks = createRemoteJWKSet(new URL(`${server.issuer}/jwks`));
    for (const token of [before.access_token, after.access_token]) {
      await expect(jwtVerify(token, jwks, { issuer: server.issuer, audience: server.issuer })).resolves.toBeTruthy();
    }
    expect((await oidc.tokenIntrospection(config, before.access_token)).active).toBe(true);
    expect((await oidc.tokenIntrospection(config, after.access_token)).active).toBe(true);
  });

  it('stops publishing a retired key once its tokens have expired', async () => {
    const kids = await jwksKids();
    // Simulate the passage of the publication window on the database clock.
    await server.db.query(`UPDATE signing_keys SET unpublish_at = now() - interval '1 second' WHERE retired_at IS NOT NULL`);
    await server.latchkey.holder.refresh();
    expect(await jwksKids()).toEqual([kids[0]]);
  });
});
