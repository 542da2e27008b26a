import * as oidc from 'openid-client';
import { beforeAll, describe, expect, it } from 'vitest';
import { currentBackend } from '../support/backend.js';
import { PASSWORD } from '../support/fixtures.js';
import { openLoginPage, signInToCallback } from '../support/flows.js';
import { useTestServer } from '../support/harness.js';
import { UserAgent } from '../support/user-agent.js';

const SPA_REDIRECT = 'http://localhost:8976/callback';

/** A public client (SPA or native app): no secret, PKCE S256 only, refresh tokens rotated. */
describe(`public clients (${currentBackend()})`, () => {
  const ctx = useTestServer();
  let config: oidc.Configuration;
  let clientId: string;

  beforeAll(async () => {
    const { services } = ctx.server.latchkey;
    await services.users.create({ email: 'pia@example.com', password: PASSWORD, emailVerified: true });
    const spa = await services.clients.create({ name: 'SPA', public: true, redirectUris: [SPA_REDIRECT] });
    expect(spa.client_secret).toBeUndefined();
    expect(spa.token_endpoint_auth_method).toBe('none');
    clientId = spa.client_id;
    config = await oidc.discovery(new URL(ctx.server.issuer), spa.client_id, { token_endpoint_auth_method: 'none' }, oidc.None(), { execute: [oidc.allowInsecureRequests] });
  });

  it('signs in with PKCE and no secret, and rotates refresh tokens', async () => {
    const agent = new UserAgent();
    const { page, verifier } = await openLoginPage(agent, config, { scope: 'openid email offline_access' });
    const tokens = await oidc.authorizationCodeGrant(config, new URL(await signInToCallback(agent, page, 'pia@example.com', PASSWORD)), { pkceCodeVerifier: verifier });
    expect(tokens.claims()?.email).toBe('pia@example.com');
    const refreshed = await oidc.refreshTokenGrant(config, tokens.refresh_token!);
    expect(refreshed.refresh_token).not.toBe(tokens.refresh_token);
  });

  it('reads userinfo cross-origin from its own origin only, and revokes its own access token', async () => {
    const agent = new UserAgent();
    const { page, verifier } = await openLoginPage(agent, config, { scope: 'openid email' });
    const tokens = await oidc.authorizationCodeGrant(config, new URL(await signInToCallback(agent, page, 'pia@example.com', PASSWORD)), { pkceCodeVerifier: verifier });
    const me = (origin: string) => fetch(`${ctx.server.issuer}/me`, { headers: { authorization: `Bearer ${tokens.access_token}`, origin } });
    expect((await me('http://localhost:8976')).headers.get('access-control-allow-origin')).toBe('http://localhost:8976');
    expect((await me('https://evil.example')).headers.get('access-control-allow-origin')).toBeNull();

    // RFC 7009 §2.1: a public client revokes with its client_id alone.
    const revoked = await fetch(`${ctx.server.issuer}/token/revocation`, {
      method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: new URLSearchParams({ client_id: clientId, token: tokens.access_token }).toString(),
    });
    expect(revoked.status).toBe(200);
    expect((await me('http://localhost:8976')).status).toBe(401);
  });

  it('refuses the plain PKCE method and a secret it does not have', async () => {
    const plain = oidc.buildAuthorizationUrl(config, { redirect_uri: SPA_REDIRECT, scope: 'openid', code_challenge: 'x'.repeat(43), code_challenge_method: 'plain', state: 's' });
    const response = await new UserAgent().request(plain.toString());
    expect(new URL(response.location!).searchParams.get('error')).toBe('invalid_request');

    const withSecret = await fetch(`${ctx.server.issuer}/token`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded', authorization: `Basic ${Buffer.from(`${clientId}:guess`).toString('base64')}` },
      body: 'grant_type=authorization_code&code=x&code_verifier=y',
    });
    expect(withSecret.status).toBe(401);
    expect((await withSecret.json() as { error: string }).error).toBe('invalid_client');
  });

  it('cannot introspect tokens (introspection needs a confidential client)', async () => {
    const response = await fetch(`${ctx.server.issuer}/token/introspection`, {
      method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: `client_id=${clientId}&token=a.b.c`,
    });
    expect(response.status).toBe(401);
  });
});
