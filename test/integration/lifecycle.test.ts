import * as oidc from 'openid-client';
import { beforeAll, describe, expect, it } from 'vitest';
import { currentBackend } from '../support/backend.js';
import { PASSWORD, REDIRECT_URI } from '../support/fixtures.js';
import { openLoginPage, signInToCallback } from '../support/flows.js';
import { discover, useTestServer } from '../support/harness.js';
import { UserAgent } from '../support/user-agent.js';

const API = 'https://api.example.com';

/** What ends access: deleting a client, signing out everywhere; and tokens staying in their lane. */
describe(`access lifecycle (${currentBackend()})`, () => {
  const ctx = useTestServer({ extraEnv: { LATCHKEY_API_AUDIENCES: API } });
  let services: typeof ctx.server.latchkey.services;

  beforeAll(async () => {
    services = ctx.server.latchkey.services;
    await services.users.create({ username: 'nora', password: PASSWORD, emailVerified: true });
  });

  async function signIn(config: oidc.Configuration, agent = new UserAgent(), extra: Record<string, string> = {}) {
    const { page, verifier } = await openLoginPage(agent, config, extra);
    return oidc.authorizationCodeGrant(config, new URL(await signInToCallback(agent, page, 'nora', PASSWORD)), { pkceCodeVerifier: verifier }, extra.resource ? { resource: extra.resource } : undefined);
  }
  const userinfoStatus = async (token: string) => (await fetch(`${ctx.server.issuer}/me`, { headers: { authorization: `Bearer ${token}` } })).status;

  it('deleting a client ends its tokens at once', async () => {
    const client = await services.clients.create({ name: 'Doomed', redirectUris: [REDIRECT_URI] });
    const config = await discover(ctx.server, client);
    const tokens = await signIn(config);
    expect(await userinfoStatus(tokens.access_token)).toBe(200);
    await services.clients.delete(client.client_id);
    expect(await userinfoStatus(tokens.access_token)).toBe(401);
    await expect(oidc.refreshTokenGrant(config, tokens.refresh_token!)).rejects.toMatchObject({ error: 'invalid_client' });
    const { rows } = await ctx.server.db.query(`SELECT count(*)::int AS n FROM oidc_model WHERE payload->>'clientId' = $1`, [client.client_id]);
    expect(rows[0]).toEqual({ n: 0 });
  });

  it('signing out everywhere ends every session, grant and token of the user', async () => {
    const client = await services.clients.create({ name: 'Mail', redirectUris: [REDIRECT_URI] });
    const config = await discover(ctx.server, client);
    const agent = new UserAgent();
    const tokens = await signIn(config, agent);
    await services.users.signOutEverywhere('nora');
    expect(await userinfoStatus(tokens.access_token)).toBe(401);
    await expect(oidc.refreshTokenGrant(config, tokens.refresh_token!)).rejects.toMatchObject({ error: 'invalid_grant' });
    // The browser session is gone too: the next authorization asks for the password again.
    const again = await agent.navigate(oidc.buildAuthorizationUrl(config, {
      redirect_uri: REDIRECT_URI, scope: 'openid', code_challenge: await oidc.calculatePKCECodeChallenge(oidc.randomPKCECodeVerifier()), code_challenge_method: 'S256',
    }).toString(), REDIRECT_URI);
    expect(again.html).toContain('id="login-form"');
  });

  it('keeps a token for another API away from userinfo', async () => {
    const client = await services.clients.create({ name: 'Api caller', redirectUris: [REDIRECT_URI] });
    const config = await discover(ctx.server, client);
    const tokens = await signIn(config, new UserAgent(), { resource: API });
    const claims = JSON.parse(Buffer.from(tokens.access_token.split('.')[1]!, 'base64url').toString()) as { aud: string };
    expect(claims.aud).toBe(API);
    expect(await userinfoStatus(tokens.access_token)).toBe(401);
  });

  it('grants CORS only to http(s) origins of a client\'s redirect URIs, never to "null"', async () => {
    const native = await services.clients.create({ name: 'Native', public: true, redirectUris: ['com.example.app:/callback'] });
    const web = await services.clients.create({ name: 'Web', public: true, redirectUris: ['https://app.example.com/cb'] });
    const preflight = (origin: string, clientId: string) => fetch(`${ctx.server.issuer}/token`, {
      method: 'POST', headers: { origin, 'content-type': 'application/x-www-form-urlencoded' },
      body: `grant_type=authorization_code&code=x&code_verifier=${'v'.repeat(43)}&client_id=${clientId}&redirect_uri=x`,
    });
    expect((await preflight('null', native.client_id)).headers.get('access-control-allow-origin')).toBeNull();
    expect((await preflight('https://evil.example', web.client_id)).headers.get('access-control-allow-origin')).toBeNull();
    expect((await preflight('https://app.example.com', web.client_id)).headers.get('access-control-allow-origin')).toBe('https://app.example.com');
  });
});
