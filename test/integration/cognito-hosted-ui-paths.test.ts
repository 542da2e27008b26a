import * as oidc from 'openid-client';
import { beforeAll, describe, expect, it } from 'vitest';
import { currentBackend } from '../support/backend.js';
import { PASSWORD, REDIRECT_URI } from '../support/fixtures.js';
import { signInToCallback } from '../support/flows.js';
import { useTestServer } from '../support/harness.js';
import { UserAgent } from '../support/user-agent.js';

const LOGOUT_URI = 'http://localhost:8976/signed-out';

/**
 * An app that builds Cognito's hosted-UI URLs by hand: a relying party configured with Cognito's paths only
 * (no discovery) signs in, verifies the ID token with the keys at Cognito's JWKS path, reads userinfo,
 * revokes, and signs out through `/logout?client_id&logout_uri`.
 */
describe(`Cognito hosted-UI paths (${currentBackend()})`, () => {
  const ctx = useTestServer();
  let config: oidc.Configuration;
  let clientId: string;

  beforeAll(async () => {
    const { services } = ctx.server.latchkey;
    await services.users.create({ email: 'cora@example.com', password: PASSWORD, emailVerified: true });
    const app = await services.clients.create({ name: 'Cognito-style app', redirectUris: [REDIRECT_URI], postLogoutRedirectUris: [LOGOUT_URI], firstParty: true });
    clientId = app.client_id;
    const issuer = ctx.server.issuer;
    // What an app hard-codes for a Cognito domain, with Latchkey's origin as the domain.
    config = new oidc.Configuration({
      issuer,
      authorization_endpoint: `${issuer}/oauth2/authorize`,
      token_endpoint: `${issuer}/oauth2/token`,
      userinfo_endpoint: `${issuer}/oauth2/userInfo`,
      revocation_endpoint: `${issuer}/oauth2/revoke`,
      jwks_uri: `${issuer}/.well-known/jwks.json`,
      id_token_signing_alg_values_supported: ['RS256'],
    }, app.client_id, app.client_secret);
    oidc.allowInsecureRequests(config);
  });

  it('signs in through /oauth2/authorize and /oauth2/token, verifies the ID token with /.well-known/jwks.json, reads /oauth2/userInfo and revokes at /oauth2/revoke', async () => {
    const agent = new UserAgent();
    const verifier = oidc.randomPKCECodeVerifier();
    const url = oidc.buildAuthorizationUrl(config, { redirect_uri: REDIRECT_URI, scope: 'openid email', code_challenge: await oidc.calculatePKCECodeChallenge(verifier), code_challenge_method: 'S256' });
    expect(url.pathname).toBe('/oauth2/authorize');
    const page = await agent.navigate(url.toString(), REDIRECT_URI);
    expect(page.html).toContain('id="login-form"');
    const callback = await signInToCallback(agent, page, 'cora@example.com', PASSWORD);
    // openid-client checks the ID token's signature against the keys it fetched from jwks_uri.
    const tokens = await oidc.authorizationCodeGrant(config, new URL(callback), { pkceCodeVerifier: verifier });
    expect(tokens.claims()?.email).toBe('cora@example.com');
    const info = await oidc.fetchUserInfo(config, tokens.access_token, tokens.claims()!.sub);
    expect(info.email).toBe('cora@example.com');

    await oidc.tokenRevocation(config, tokens.access_token);
    const after = await fetch(`${ctx.server.issuer}/oauth2/userInfo`, { headers: { authorization: `Bearer ${tokens.access_token}` } });
    expect(after.status).toBe(401);

    const keys = await (await fetch(`${ctx.server.issuer}/.well-known/jwks.json`)).json();
    expect(keys).toEqual(await (await fetch(`${ctx.server.issuer}/jwks`)).json());
  });

  it('/logout with client_id and a registered logout_uri asks the user, then signs out and returns there; an unregistered logout_uri is refused', async () => {
    const agent = new UserAgent();
    const verifier = oidc.randomPKCECodeVerifier();
    const url = oidc.buildAuthorizationUrl(config, { redirect_uri: REDIRECT_URI, scope: 'openid', code_challenge: await oidc.calculatePKCECodeChallenge(verifier), code_challenge_method: 'S256' });
    await signInToCallback(agent, await agent.navigate(url.toString(), REDIRECT_URI), 'cora@example.com', PASSWORD);

    const foreign = await agent.request(`${ctx.server.issuer}/logout?client_id=${clientId}&logout_uri=${encodeURIComponent('https://evil.example/')}`);
    expect(foreign.status).toBe(400);
    expect(foreign.location).toBeNull();

    const confirm = await agent.request(`${ctx.server.issuer}/logout?client_id=${clientId}&logout_uri=${encodeURIComponent(LOGOUT_URI)}`);
    expect(confirm.status).toBe(200);
    expect(confirm.html).toContain('id="op.logoutForm"');
    const done = await agent.submit(confirm, 'form[id="op.logoutForm"]', { logout: 'yes' });
    expect(done.location).toMatch(new RegExp(`^${LOGOUT_URI}`));

    // Signed out: the next authorization shows the login form again instead of issuing a code.
    const again = await agent.navigate(url.toString(), REDIRECT_URI);
    expect(again.html).toContain('id="login-form"');
  });
});
