import * as oidc from 'openid-client';
import { createRemoteJWKSet, decodeProtectedHeader, jwtVerify } from 'jose';
import { beforeAll, describe, expect, it } from 'vitest';
import { currentBackend } from '../support/backend.js';
import { discover, useTestServer } from '../support/harness.js';

describe(`signing key rotation (${currentBackend()})`, () => {
  // Poll for rotated keys every second, as a replica that did not run the rotation would.
  const ctx = useTestServer({ extraEnv: { LATCHKEY_KEY_REFRESH_SECONDS: '1' } });
  let config: oidc.Configuration;

  beforeAll(async () => {
    const created = await ctx.server.latchkey.services.clients.create({ name: 'Worker', grantTypes: ['client_credentials'], scope: 'jobs:run' });
    config = await discover(ctx.server, created);
  });

  async function jwksKids(): Promise<string[]> {
    const body = await (await fetch(`${ctx.server.issuer}/jwks`)).json() as { keys: { kid: string; d?: string }[] };
    for (const key of body.keys) expect(key).not.toHaveProperty('d'); // never a private part
    return body.keys.map((k) => k.kid);
  }

  it('keeps old tokens verifiable and signs new ones with the new key', async () => {
    const before = await oidc.clientCredentialsGrant(config, { scope: 'jobs:run' });
    const oldKid = decodeProtectedHeader(before.access_token).kid!;
    expect(await jwksKids()).toEqual([oldKid]);

    const rotated = await ctx.server.latchkey.services.keys.rotate();
    expect(rotated.retired).toBe(1);
    // The running server notices within its refresh interval, without a restart.
    const deadline = Date.now() + 10_000;
    while ((await jwksKids()).length < 2 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 200));
    expect(await jwksKids()).toEqual([rotated.kid, oldKid]);

    const after = await oidc.clientCredentialsGrant(config, { scope: 'jobs:run' });
    expect(decodeProtectedHeader(after.access_token).kid).toBe(rotated.kid);

    const jwks = createRemoteJWKSet(new URL(`${ctx.server.issuer}/jwks`));
    for (const token of [before.access_token, after.access_token]) {
      await expect(jwtVerify(token, jwks, { issuer: ctx.server.issuer, audience: ctx.server.issuer })).resolves.toBeTruthy();
    }
    expect((await oidc.tokenIntrospection(config, before.access_token)).active).toBe(true);
    expect((await oidc.tokenIntrospection(config, after.access_token)).active).toBe(true);
  });

  it('stops publishing a retired key once its tokens have expired', async () => {
    const kids = await jwksKids();
    // Simulate the passage of the publication window on the database clock.
    await ctx.server.db.query(`UPDATE signing_keys SET unpublish_at = now() - interval '1 second' WHERE retired_at IS NOT NULL`);
    await ctx.server.latchkey.holder.refresh();
    expect(await jwksKids()).toEqual([kids[0]]);
  });
});
