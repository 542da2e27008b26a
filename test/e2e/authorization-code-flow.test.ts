import * as oidc from 'openid-client';
import { createRemoteJWKSet, decodeProtectedHeader, jwtVerify } from 'jose';
import { beforeAll, describe, expect, it, onTestFailed } from 'vitest';
import { currentBackend } from '../support/backend.js';
import { PASSWORD, POST_LOGOUT_URI, REDIRECT_URI, seedDirectory } from '../support/fixtures.js';
import { discover, useTestServer } from '../support/harness.js';
import { UserAgent } from '../support/user-agent.js';

/**
 * The whole authorization-code flow with openid-client as the relying party over real HTTP:
 * discovery → authorize (PKCE) → login form → consent → code → tokens → JWKS verification → userinfo →
 * refresh (rotation; replay revokes the grant) → revocation → RP-initiated logout.
 */
describe(`authorization code flow (${currentBackend()})`, () => {
  const ctx = useTestServer();
  let seeded: Awaited<ReturnType<typeof seedDirectory>>;
  let config: oidc.Configuration;

  beforeAll(async () => {
    seeded = await seedDirectory(ctx.server.latchkey.services);
    config = await discover(ctx.server, seeded.client);
  });

  async function signIn(agent: UserAgent, scope = 'openid profile email offline_access') {
    const verifier = oidc.randomPKCECodeVerifier();
    const state = oidc.randomState();
    const nonce = oidc.randomNonce();
    const url = oidc.buildAuthorizationUrl(config, {
      redirect_uri: REDIRECT_URI, scope, state, nonce,
      code_challenge: await oidc.calculatePKCECodeChallenge(verifier), code_challenge_method: 'S256',
    });
    const loginPage = await agent.navigate(url.toString(), REDIRECT_URI);
    expect(loginPage.status).toBe(200);
    const afterLogin = await agent.submit(loginPage, 'form#login-form', { username: 'alice', password: PASSWORD });
    expect(afterLogin.status).toBe(303);
    const consentPage = await agent.follow(afterLogin, REDIRECT_URI);
    expect(consentPage.html).toContain('id="consent-form"');
    const afterConsent = await agent.submit(consentPage, 'form#consent-form');
    const callback = await agent.follow(afterConsent, REDIRECT_URI);
    expect(callback.location).toMatch(new RegExp(`^${REDIRECT_URI}\\?code=`));
    const tokens = await oidc.authorizationCodeGrant(config, new URL(callback.location!), { pkceCodeVerifier: verifier, expectedState: state, expectedNonce: nonce });
    return { tokens, verifier, callbackUrl: callback.location! };
  }

  it('signs in, verifies tokens with the JWKS, serves userinfo, refreshes, revokes and logs out', async () => {
    onTestFailed(() => { process.stderr.write(`${ctx.server.logs.text}\n`); });
    const agent = new UserAgent();
    const { tokens } = await signIn(agent);
    const jwks = createRemoteJWKSet(new URL(config.serverMetadata().jwks_uri!));

    // ID token: openid-client checked iss, aud, exp, iat and nonce; the signature is checked here, with the JWKS.
    const { payload: verifiedId, protectedHeader: idHeader } = await jwtVerify(tokens.id_token!, jwks, { issuer: ctx.server.issuer, audience: seeded.client.client_id, algorithms: ['RS256'] });
    expect(idHeader.kid).toBeTruthy();
    expect(verifiedId.sub).toBe(seeded.user.id);
    const idClaims = tokens.claims()!;
    expect(idClaims.sub).toBe(seeded.user.id);
    expect(idClaims.email).toBe('alice@example.com');
    expect(idClaims.email_verified).toBe(true);
    expect(idClaims.name).toBe('Alice Example');
    expect(idClaims.groups).toEqual(['admins', 'staff']); // precedence order: 10 before 20
    expect(idClaims.amr).toEqual(['pwd']);
    expect(typeof idClaims.auth_time).toBe('number');

    // Access token: an RFC 9068 JWT for the default audience, verifiable with the published JWKS.
    expect(decodeProtectedHeader(tokens.access_token).typ).toBe('at+jwt');
    const { payload: at } = await jwtVerify(tokens.access_token, jwks, { issuer: ctx.server.issuer, audience: ctx.server.issuer, typ: 'at+jwt' });
    expect(at).toMatchObject({ sub: seeded.user.id, client_id: seeded.client.client_id, groups: ['admins', 'staff'] });
    expect(String(at.scope).split(' ')).toEqual(expect.arrayContaining(['openid', 'profile', 'email']));
    expect(at.exp! - at.iat!).toBe(3600);
    expect(typeof at.jti).toBe('string');

    // Userinfo accepts the JWT access token (bridged) and masks claims by scope.
    const userinfo = await oidc.fetchUserInfo(config, tokens.access_token, seeded.user.id);
    expect(userinfo).toMatchObject({ sub: seeded.user.id, email: 'alice@example.com', name: 'Alice Example', groups: ['admins', 'staff'] });
    expect(userinfo).not.toHaveProperty('phone_number');

    // Introspection says active while the grant lives.
    const active = await oidc.tokenIntrospection(config, tokens.access_token);
    expect(active).toMatchObject({ active: true, sub: seeded.user.id, client_id: seeded.client.client_id });

    // Refresh: rotated; the old refresh token replayed revokes the whole grant.
    expect(tokens.refresh_token).toBeTruthy();
    const refreshed = await oidc.refreshTokenGrant(config, tokens.refresh_token!);
    expect(refreshed.refresh_token).toBeTruthy();
    expect(refreshed.refresh_token).not.toBe(tokens.refresh_token);
    await expect(oidc.refreshTokenGrant(config, tokens.refresh_token!)).rejects.toMatchObject({ error: 'invalid_grant' });
    await expect(oidc.refreshTokenGrant(config, refreshed.refresh_token!)).rejects.toMatchObject({ error: 'invalid_grant' });
    expect(await oidc.tokenIntrospection(config, refreshed.access_token)).toEqual({ active: false });
    await expect(oidc.fetchUserInfo(config, refreshed.access_token, seeded.user.id)).rejects.toMatchObject({ status: 401 });

    // A new sign-in (session still alive: no login form, no consent again) and revocation.
    const second = await signInWithSession(agent);
    expect((await oidc.tokenIntrospection(config, second.access_token)).active).toBe(true);
    await oidc.tokenRevocation(config, second.access_token);
    expect(await oidc.tokenIntrospection(config, second.access_token)).toEqual({ active: false });
    // Revoking the refresh token revokes its grant.
    await oidc.tokenRevocation(config, second.refresh_token!);
    await expect(oidc.refreshTokenGrant(config, second.refresh_token!)).rejects.toMatchObject({ error: 'invalid_grant' });

    // RP-initiated logout: confirmation page, then redirect to the registered post-logout URI.
    const logoutUrl = oidc.buildEndSessionUrl(config, { id_token_hint: second.id_token!, post_logout_redirect_uri: POST_LOGOUT_URI, state: 'bye' });
    const confirm = await agent.navigate(logoutUrl.toString());
    expect(confirm.status).toBe(200);
    const done = await agent.submit(confirm, 'form[id="op.logoutForm"]', { logout: 'yes' });
    const final = await agent.follow(done, POST_LOGOUT_URI);
    expect(final.location).toBe(`${POST_LOGOUT_URI}?state=bye`);
    // The session is gone: authorizing again shows the login form.
    const again = await agent.navigate(oidc.buildAuthorizationUrl(config, {
      redirect_uri: REDIRECT_URI, scope: 'openid', code_challenge: await oidc.calculatePKCECodeChallenge(oidc.randomPKCECodeVerifier()), code_challenge_method: 'S256',
    }).toString(), REDIRECT_URI);
    expect(again.html).toContain('id="login-form"');

    // Prometheus metrics count what happened, with low-cardinality route labels.
    const metrics = await (await fetch(`${ctx.server.issuer}/metrics`)).text();
    expect(metrics).toContain('latchkey_logins_total{outcome="success"} 1');
    expect(metrics).toMatch(/latchkey_http_requests_total\{method="POST",route="\/token",status="200"\} [1-9]/);
    expect(metrics).toMatch(/latchkey_http_requests_total\{method="POST",route="\/interaction\/:uid\/login",status="303"\} 1/);
    expect(metrics).not.toMatch(/route="\/interaction\/[A-Za-z0-9_-]{20,}/);

    // Nothing secret reached the log.
    for (const secret of [PASSWORD, seeded.client.client_secret!, tokens.access_token, tokens.refresh_token!, second.refresh_token!]) {
      expect(ctx.server.logs.text).not.toContain(secret);
    }
  });

  async function signInWithSession(agent: UserAgent) {
    const verifier = oidc.randomPKCECodeVerifier();
    const url = oidc.buildAuthorizationUrl(config, {
      redirect_uri: REDIRECT_URI, scope: 'openid profile email offline_access',
      code_challenge: await oidc.calculatePKCECodeChallenge(verifier), code_challenge_method: 'S256',
    });
    // The session survives, so no login form; the earlier grant was revoked, so consent is asked again.
    const consentPage = await agent.navigate(url.toString(), REDIRECT_URI);
    expect(consentPage.html).not.toContain('id="login-form"');
    const afterConsent = await agent.submit(consentPage, 'form#consent-form');
    const callback = await agent.follow(afterConsent, REDIRECT_URI);
    expect(callback.location).toMatch(new RegExp(`^${REDIRECT_URI}\\?code=`));
    return oidc.authorizationCodeGrant(config, new URL(callback.location!), { pkceCodeVerifier: verifier });
  }
});
