import * as oidc from 'openid-client';
import { createRemoteJWKSet, decodeProtectedHeader, jwtVerify, type JWTPayload } from 'jose';
import { beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { currentBackend } from '../support/backend.js';
import { PASSWORD, POST_LOGOUT_URI, REDIRECT_URI, seedDirectory } from '../support/fixtures.js';
import { discover, useTestServer } from '../support/harness.js';
import { UserAgent, type PageResponse } from '../support/user-agent.js';

type Tokens = Awaited<ReturnType<typeof oidc.authorizationCodeGrant>>;

/**
 * The whole authorization-code flow with openid-client as the relying party over real HTTP:
 * discovery → authorize (PKCE) → login form → consent → code → tokens → JWKS verification → userinfo →
 * refresh (rotation; replay revokes the grant) → revocation → RP-initiated logout. One sign-in is shared;
 * each case checks one behaviour of what it produced, in the order a relying party meets them.
 */
describe(`authorization code flow (${currentBackend()})`, () => {
  const ctx = useTestServer();
  let seeded: Awaited<ReturnType<typeof seedDirectory>>;
  let config: oidc.Configuration;
  let jwks: ReturnType<typeof createRemoteJWKSet>;
  const agent = new UserAgent();
  let first: Tokens;

  beforeAll(async () => {
    seeded = await seedDirectory(ctx.server.latchkey.services);
    config = await discover(ctx.server, seeded.client);
    jwks = createRemoteJWKSet(new URL(config.serverMetadata().jwks_uri!));
    first = await signIn();
  });
  beforeEach(({ onTestFailed }) => {
    onTestFailed(() => { process.stderr.write(`${ctx.server.logs.text}\n`); });
  });

  /** Authorize with PKCE, state and nonce; sign in on the login form; consent; redeem the code. */
  async function signIn(): Promise<Tokens> {
    const verifier = oidc.randomPKCECodeVerifier();
    const state = oidc.randomState();
    const nonce = oidc.randomNonce();
    const url = oidc.buildAuthorizationUrl(config, {
      redirect_uri: REDIRECT_URI, scope: 'openid profile email offline_access', state, nonce,
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
    // openid-client checks iss, aud, exp, iat, state and nonce of the ID token here.
    return oidc.authorizationCodeGrant(config, new URL(callback.location!), { pkceCodeVerifier: verifier, expectedState: state, expectedNonce: nonce });
  }

  describe('ID token', () => {
    it('is signed with a key from the published JWKS (RS256, with a kid) and names the user as sub', async () => {
      const { payload, protectedHeader } = await jwtVerify(first.id_token!, jwks, { issuer: ctx.server.issuer, audience: seeded.client.client_id, algorithms: ['RS256'] });
      expect(protectedHeader.kid).toBeTruthy();
      expect(payload.sub).toBe(seeded.user.id);
    });

    it('carries the profile and email claims the scopes grant', () => {
      expect(first.claims()).toMatchObject({ sub: seeded.user.id, email: 'alice@example.com', email_verified: true, name: 'Alice Example' });
    });

    it('lists groups in precedence order (admins at 10 before staff at 20)', () => {
      expect(first.claims()!.groups).toEqual(['admins', 'staff']);
    });

    it('records how and when the user authenticated: amr pwd and a numeric auth_time', () => {
      expect(first.claims()).toMatchObject({ amr: ['pwd'], auth_time: expect.any(Number) });
    });
  });

  describe('access token', () => {
    let payload: JWTPayload;
    beforeAll(async () => {
      ({ payload } = await jwtVerify(first.access_token, jwks, { issuer: ctx.server.issuer, audience: ctx.server.issuer, typ: 'at+jwt' }));
    });

    it('is an RFC 9068 JWT (typ at+jwt) for the default audience, naming the user, the client and the groups', () => {
      expect(decodeProtectedHeader(first.access_token).typ).toBe('at+jwt');
      expect(payload).toMatchObject({ sub: seeded.user.id, client_id: seeded.client.client_id, groups: ['admins', 'staff'] });
    });

    it('carries the granted scopes, a jti, and a lifetime of 3600 s', () => {
      expect(String(payload.scope).split(' ')).toEqual(expect.arrayContaining(['openid', 'profile', 'email']));
      expect(payload.jti).toEqual(expect.any(String));
      expect(payload.exp! - payload.iat!).toBe(3600);
    });
  });

  it('userinfo accepts the JWT access token and releases only the claims the scopes grant', async () => {
    const userinfo = await oidc.fetchUserInfo(config, first.access_token, seeded.user.id);
    expect(userinfo).toMatchObject({ sub: seeded.user.id, email: 'alice@example.com', name: 'Alice Example', groups: ['admins', 'staff'] });
    expect(userinfo).not.toHaveProperty('phone_number');
  });

  it('introspection reports the access token active while its grant lives', async () => {
    expect(await oidc.tokenIntrospection(config, first.access_token)).toMatchObject({ active: true, sub: seeded.user.id, client_id: seeded.client.client_id });
  });

  describe('refresh token rotation and replay', () => {
    let rotated: Awaited<ReturnType<typeof oidc.refreshTokenGrant>>;
    let replay: unknown;
    beforeAll(async () => {
      rotated = await oidc.refreshTokenGrant(config, first.refresh_token!);
      replay = await oidc.refreshTokenGrant(config, first.refresh_token!).then(() => 'accepted', (error: unknown) => error);
    });

    it('rotates: a refresh answers a new refresh token', () => {
      expect(rotated.refresh_token).toEqual(expect.any(String));
      expect(rotated.refresh_token).not.toBe(first.refresh_token);
    });

    it('refuses the spent refresh token when it is replayed (invalid_grant)', () => {
      expect(replay).toMatchObject({ error: 'invalid_grant' });
    });

    it('revokes the whole grant on replay: the rotated refresh token is refused too', async () => {
      await expect(oidc.refreshTokenGrant(config, rotated.refresh_token!)).rejects.toMatchObject({ error: 'invalid_grant' });
    });

    it('revokes the whole grant on replay: the rotated access token is inactive and refused at userinfo', async () => {
      expect(await oidc.tokenIntrospection(config, rotated.access_token)).toEqual({ active: false });
      await expect(oidc.fetchUserInfo(config, rotated.access_token, seeded.user.id)).rejects.toMatchObject({ status: 401 });
    });
  });

  describe('a second authorization while the session lives', () => {
    let consentPage: PageResponse;
    let second: Tokens;
    beforeAll(async () => {
      const verifier = oidc.randomPKCECodeVerifier();
      const url = oidc.buildAuthorizationUrl(config, {
        redirect_uri: REDIRECT_URI, scope: 'openid profile email offline_access',
        code_challenge: await oidc.calculatePKCECodeChallenge(verifier), code_challenge_method: 'S256',
      });
      consentPage = await agent.navigate(url.toString(), REDIRECT_URI);
      const callback = await agent.follow(await agent.submit(consentPage, 'form#consent-form'), REDIRECT_URI);
      second = await oidc.authorizationCodeGrant(config, new URL(callback.location!), { pkceCodeVerifier: verifier });
    });

    it('skips the login form, and asks for consent again because the earlier grant was revoked', () => {
      expect(consentPage.html).not.toContain('id="login-form"');
      expect(consentPage.html).toContain('id="consent-form"');
    });

    it('revoking the access token makes introspection report it inactive', async () => {
      expect((await oidc.tokenIntrospection(config, second.access_token)).active).toBe(true);
      await oidc.tokenRevocation(config, second.access_token);
      expect(await oidc.tokenIntrospection(config, second.access_token)).toEqual({ active: false });
    });

    it('revoking the refresh token revokes its grant: refreshing with it is refused', async () => {
      await oidc.tokenRevocation(config, second.refresh_token!);
      await expect(oidc.refreshTokenGrant(config, second.refresh_token!)).rejects.toMatchObject({ error: 'invalid_grant' });
    });

    describe('RP-initiated logout', () => {
      let final: PageResponse;
      beforeAll(async () => {
        const logoutUrl = oidc.buildEndSessionUrl(config, { id_token_hint: second.id_token!, post_logout_redirect_uri: POST_LOGOUT_URI, state: 'bye' });
        const confirm = await agent.navigate(logoutUrl.toString());
        expect(confirm.status).toBe(200);
        final = await agent.follow(await agent.submit(confirm, 'form[id="op.logoutForm"]', { logout: 'yes' }), POST_LOGOUT_URI);
      });

      it('confirms, then redirects to the registered post-logout URI with the state', () => {
        expect(final.location).toBe(`${POST_LOGOUT_URI}?state=bye`);
      });

      it('ends the session: authorizing again shows the login form', async () => {
        const again = await agent.navigate(oidc.buildAuthorizationUrl(config, {
          redirect_uri: REDIRECT_URI, scope: 'openid', code_challenge: await oidc.calculatePKCECodeChallenge(oidc.randomPKCECodeVerifier()), code_challenge_method: 'S256',
        }).toString(), REDIRECT_URI);
        expect(again.html).toContain('id="login-form"');
      });
    });

    it('never writes the password, the client secret or a token to the log', () => {
      for (const secret of [PASSWORD, seeded.client.client_secret!, first.access_token, first.refresh_token!, second.refresh_token!]) {
        expect(ctx.server.logs.text).not.toContain(secret);
      }
    });
  });

  describe('metrics after the flow', () => {
    let metrics: string;
    beforeAll(async () => {
      metrics = await (await fetch(`${ctx.server.issuer}/metrics`)).text();
    });

    it('count the one password sign-in and the token requests', () => {
      expect(metrics).toContain('latchkey_sign_ins_total{method="password",result="success"} 1');
      expect(metrics).toMatch(/latchkey_http_requests_total\{method="POST",route="\/token",status="200"\} [1-9]/);
      expect(metrics).toMatch(/latchkey_http_requests_total\{method="POST",route="\/interaction\/:uid\/login",status="303"\} 1/);
    });

    it('label routes by pattern, never by an interaction id', () => {
      expect(metrics).not.toMatch(/route="\/interaction\/[A-Za-z0-9_-]{20,}/);
    });
  });
});
