import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { currentBackend } from '../support/backend.js';
import { PASSWORD } from '../support/fixtures.js';
import { useTestServer } from '../support/harness.js';
import { startHeaderEcho, type HeaderEcho } from '../support/header-echo.js';
import { startOAuth2Proxy, type OAuth2Proxy } from '../support/oauth2-proxy.js';
import { freePort } from '../support/test-server.js';
import { UserAgent, type PageResponse } from '../support/user-agent.js';

/** oauth2-proxy's `--cookie-refresh`: past this age a session is refreshed with its refresh token. */
const COOKIE_REFRESH_SECONDS = 1;

/**
 * The real oauth2-proxy in front of an app, configured only with its documented OIDC flags: Latchkey signs
 * the user in, the `groups` scope and claim gate access (`--allowed-group`), the app sees who it is, and a
 * sign-out everywhere ends the proxy's session at its next refresh.
 */
describe(`oauth2-proxy in front of an app (${currentBackend()})`, () => {
  const ctx = useTestServer();
  let echo: HeaderEcho;
  let proxy: OAuth2Proxy;
  let memberId: string;

  beforeAll(async () => {
    const { services } = ctx.server.latchkey;
    await services.groups.create({ name: 'engineers', precedence: 10 });
    await services.groups.create({ name: 'staff', precedence: 20 });
    memberId = (await services.users.create({ email: 'erin@example.com', username: 'erin', password: PASSWORD, emailVerified: true, groups: ['staff', 'engineers'] })).id;
    await services.users.create({ email: 'mallory@example.com', username: 'mallory', password: PASSWORD, emailVerified: true, groups: ['staff'] });
    const port = await freePort();
    // Registered with the default scopes: oauth2-proxy adds `groups` to them because of --allowed-group.
    const client = await services.clients.create({ name: 'Internal dashboard', redirectUris: [`http://127.0.0.1:${port}/oauth2/callback`] });
    echo = await startHeaderEcho();
    proxy = await startOAuth2Proxy({
      port, issuer: ctx.server.issuer, clientId: client.client_id, clientSecret: client.client_secret!, upstream: echo.url,
      args: ['--allowed-group=engineers', '--pass-user-headers', '--set-xauthrequest', `--cookie-refresh=${COOKIE_REFRESH_SECONDS}s`],
    });
  });

  afterAll(async () => {
    await proxy?.stop();
    await echo?.stop();
  });

  /** Opens the app through the proxy, signs in on Latchkey's hosted page and consents; returns where that ends. */
  async function signInThroughProxy(agent: UserAgent, username: string): Promise<PageResponse> {
    const login = await agent.navigate(`${proxy.url}/dashboard`);
    expect(login.url.startsWith(ctx.server.issuer), proxy.output()).toBe(true);
    expect(login.html).toContain('id="login-form"');
    let step = await agent.follow(await agent.submit(login, 'form#login-form', { username, password: PASSWORD }));
    if (step.html.includes('id="consent-form"')) step = await agent.follow(await agent.submit(step, 'form#consent-form'));
    return step;
  }

  /** oauth2-proxy counts a session's age from the current second down, so it may take a second longer. */
  function waitForRefreshAge(): Promise<void> {
    return new Promise((resolve) => setTimeout(resolve, (COOKIE_REFRESH_SECONDS + 1) * 1000 + 200));
  }

  it('lets a member of the allowed group reach the app, which sees the user, e-mail and groups headers', async () => {
    const agent = new UserAgent();
    const landed = await signInThroughProxy(agent, 'erin');
    expect(landed.status, proxy.output()).toBe(200);
    expect(landed.url).toBe(`${proxy.url}/dashboard`);
    const headers = JSON.parse(landed.html) as Record<string, string>;
    expect(headers['x-forwarded-user']).toBe(memberId);
    expect(headers['x-forwarded-email']).toBe('erin@example.com');
    expect(headers['x-forwarded-preferred-username']).toBe('erin');
    // Precedence order, as Latchkey puts them in the claim; oauth2-proxy joins them with commas.
    expect(headers['x-forwarded-groups']).toBe('engineers,staff');

    // The same session answers an nginx `auth_request` subrequest with the X-Auth-Request headers.
    const check = await agent.request(`${proxy.url}/oauth2/auth`);
    expect(check.status).toBe(202);
    expect(check.headers.get('x-auth-request-user')).toBe(memberId);
    expect(check.headers.get('x-auth-request-email')).toBe('erin@example.com');
    expect(check.headers.get('x-auth-request-groups')).toBe('engineers,staff');
  });

  it('answers 403 to a signed-in user outside the allowed group, and the app never sees the request', async () => {
    const before = echo.received.length;
    const agent = new UserAgent();
    const landed = await signInThroughProxy(agent, 'mallory');
    expect(landed.status, proxy.output()).toBe(403);
    expect(landed.url.startsWith(`${proxy.url}/oauth2/callback`)).toBe(true);
    expect(echo.received.length).toBe(before);
  });

  it('refreshes a live session with the refresh token, then sends the user back to sign in once they signed out everywhere', async () => {
    const agent = new UserAgent();
    expect((await signInThroughProxy(agent, 'erin')).status).toBe(200);

    await waitForRefreshAge();
    const refreshed = await agent.navigate(`${proxy.url}/dashboard`);
    expect(refreshed.status, proxy.output()).toBe(200);
    expect((JSON.parse(refreshed.html) as Record<string, string>)['x-forwarded-user']).toBe(memberId);

    await ctx.server.latchkey.services.users.signOutEverywhere(memberId);
    await waitForRefreshAge();
    const before = echo.received.length;
    const after = await agent.navigate(`${proxy.url}/dashboard`);
    // The refresh is refused (invalid_grant), so oauth2-proxy drops its session and starts a new sign-in,
    // which Latchkey answers with its login page: its own session ended too.
    expect(after.url.startsWith(ctx.server.issuer), proxy.output()).toBe(true);
    expect(after.html).toContain('id="login-form"');
    expect(echo.received.length).toBe(before);
  });
});
