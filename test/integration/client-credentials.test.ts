import * as oidc from 'openid-client';
import { createRemoteJWKSet, jwtVerify } from 'jose';
import { beforeAll, describe, expect, it } from 'vitest';
import { currentBackend } from '../support/backend.js';
import { createTestClock } from '../support/clock.js';
import { discover, useTestServer } from '../support/harness.js';

const SHORT_TTL = 5;

describe(`client credentials and introspection (${currentBackend()})`, () => {
  // Latchkey's clock, moved forward to expire tokens instead of sleeping through their lifetime.
  const clock = createTestClock();
  const ctx = useTestServer({ extraEnv: { LATCHKEY_ACCESS_TOKEN_TTL: String(SHORT_TTL) }, clock });
  let service: { client_id: string; client_secret?: string };
  let other: { client_id: string; client_secret?: string };
  let config: oidc.Configuration;

  beforeAll(async () => {
    service = await ctx.server.latchkey.services.clients.create({ name: 'Billing worker', grantTypes: ['client_credentials'], scope: 'reports:read reports:write' });
    other = await ctx.server.latchkey.services.clients.create({ name: 'Other worker', grantTypes: ['client_credentials'], scope: 'reports:read' });
    config = await discover(ctx.server, service);
  });

  it('issues a JWT access token to a confidential client, verifiable with the JWKS', async () => {
    const tokens = await oidc.clientCredentialsGrant(config, { scope: 'reports:read' });
    expect(tokens.token_type.toLowerCase()).toBe('bearer');
    const { payload, protectedHeader } = await jwtVerify(tokens.access_token, createRemoteJWKSet(new URL(`${ctx.server.issuer}/jwks`)), {
      issuer: ctx.server.issuer, audience: ctx.server.issuer, typ: 'at+jwt',
    });
    expect(protectedHeader.alg).toBe('RS256');
    expect(payload).toMatchObject({ client_id: service.client_id, sub: service.client_id, scope: 'reports:read' });
    expect(payload.exp! - payload.iat!).toBe(SHORT_TTL);
  });

  it('refuses a scope the client was not registered for, and a wrong secret', async () => {
    await expect(oidc.clientCredentialsGrant(config, { scope: 'admin' })).rejects.toMatchObject({ error: 'invalid_scope' });
    const wrong = await discover(ctx.server, { client_id: service.client_id, client_secret: 'not-the-secret' });
    await expect(oidc.clientCredentialsGrant(wrong, { scope: 'reports:read' })).rejects.toMatchObject({ error: 'invalid_client' });
  });

  it('introspects active and revoked tokens', async () => {
    const active = await oidc.clientCredentialsGrant(config, { scope: 'reports:read reports:write' });
    expect(await oidc.tokenIntrospection(config, active.access_token)).toMatchObject({
      active: true, client_id: service.client_id, scope: 'reports:read reports:write', token_type: 'Bearer', iss: ctx.server.issuer,
    });

    // Another client may not learn about this token.
    const otherConfig = await discover(ctx.server, other);
    expect(await oidc.tokenIntrospection(otherConfig, active.access_token)).toEqual({ active: false });
    // Revocation by another client is a silent no-op (RFC 7009 §2.1), by the owner it takes effect.
    await oidc.tokenRevocation(otherConfig, active.access_token);
    expect((await oidc.tokenIntrospection(config, active.access_token)).active).toBe(true);
    await oidc.tokenRevocation(config, active.access_token);
    expect(await oidc.tokenIntrospection(config, active.access_token)).toEqual({ active: false });
  });

  it('introspects a token as active until its expiry (2 s leeway) and as inactive after it', async () => {
    const expiring = await oidc.clientCredentialsGrant(config, { scope: 'reports:read' });
    try {
      clock.advance(SHORT_TTL - 1);
      expect((await oidc.tokenIntrospection(config, expiring.access_token)).active).toBe(true);
      clock.advance(4);
      expect(await oidc.tokenIntrospection(config, expiring.access_token)).toEqual({ active: false });
    } finally {
      clock.reset();
    }
  });

  it('answers introspection without client authentication with 401 invalid_client', async () => {
    const token = (await oidc.clientCredentialsGrant(config, { scope: 'reports:read' })).access_token;
    const response = await fetch(`${ctx.server.issuer}/token/introspection`, {
      method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: new URLSearchParams({ token }).toString(),
    });
    expect(response.status).toBe(401);
    expect(await response.json()).toMatchObject({ error: 'invalid_client' });
  });
});
