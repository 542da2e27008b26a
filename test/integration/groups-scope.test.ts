import * as oidc from 'openid-client';
import { createRemoteJWKSet, jwtVerify } from 'jose';
import { beforeAll, describe, expect, it } from 'vitest';
import { currentBackend } from '../support/backend.js';
import { PASSWORD, REDIRECT_URI, seedDirectory } from '../support/fixtures.js';
import { openLoginPage, signInToCallback } from '../support/flows.js';
import { discover, useTestServer } from '../support/harness.js';
import { UserAgent } from '../support/user-agent.js';

/**
 * The `groups` scope, as Dex and Keycloak relying parties (oauth2-proxy's `--allowed-group`) ask for it:
 * listed in discovery, requestable by every sign-in client without registering it, releasing `groups`.
 */
describe(`the groups scope (${currentBackend()})`, () => {
  const ctx = useTestServer();
  let config: oidc.Configuration;

  beforeAll(async () => {
    const { client } = await seedDirectory(ctx.server.latchkey.services);
    config = await discover(ctx.server, client);
  });

  it('lists groups in scopes_supported and claims_supported', async () => {
    const discovery = await (await fetch(`${ctx.server.issuer}/.well-known/openid-configuration`)).json() as { scopes_supported: string[]; claims_supported: string[] };
    expect(discovery.scopes_supported).toContain('groups');
    expect(discovery.claims_supported).toContain('groups');
  });

  it('grants groups to a client registered with the default scopes, with groups in the ID token, userinfo and the access token', async () => {
    const agent = new UserAgent();
    const { page, verifier } = await openLoginPage(agent, config, { scope: 'openid email groups' });
    const tokens = await oidc.authorizationCodeGrant(config, new URL(await signInToCallback(agent, page, 'alice', PASSWORD)), { pkceCodeVerifier: verifier });
    expect(tokens.scope?.split(' ')).toContain('groups');
    // Precedence order: admins (10) before staff (20).
    expect(tokens.claims()).toMatchObject({ email: 'alice@example.com', groups: ['admins', 'staff'] });
    const { payload } = await jwtVerify(tokens.access_token, createRemoteJWKSet(new URL(`${ctx.server.issuer}/jwks`)), { issuer: ctx.server.issuer, typ: 'at+jwt' });
    expect(payload.groups).toEqual(['admins', 'staff']);
    expect(String(payload.scope).split(' ')).toContain('groups');
    expect(await oidc.fetchUserInfo(config, tokens.access_token, tokens.claims()!.sub)).toMatchObject({ groups: ['admins', 'staff'] });
  });

  it('refuses groups with invalid_scope to a machine client, which has no sign-in', async () => {
    const machine = await ctx.server.latchkey.services.clients.create({ name: 'Worker', grantTypes: ['client_credentials'], scope: 'reports:read' });
    const machineConfig = await discover(ctx.server, machine);
    await expect(oidc.clientCredentialsGrant(machineConfig, { scope: 'groups' })).rejects.toMatchObject({ error: 'invalid_scope' });
  });

  it('still refuses a scope the client was not registered for alongside groups', async () => {
    const agent = new UserAgent();
    const url = oidc.buildAuthorizationUrl(config, {
      redirect_uri: REDIRECT_URI, scope: 'openid groups sts',
      code_challenge: await oidc.calculatePKCECodeChallenge(oidc.randomPKCECodeVerifier()), code_challenge_method: 'S256',
    });
    const response = await agent.navigate(url.toString(), REDIRECT_URI);
    const location = new URL(response.location!);
    expect(location.searchParams.get('error')).toBe('invalid_scope');
  });
});
