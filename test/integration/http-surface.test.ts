import * as oidc from 'openid-client';
import { beforeAll, describe, expect, it } from 'vitest';
import { currentBackend } from '../support/backend.js';
import { REDIRECT_URI, seedDirectory } from '../support/fixtures.js';
import { openLoginPage } from '../support/flows.js';
import { discover, useTestServer } from '../support/harness.js';
import { alertText, UserAgent } from '../support/user-agent.js';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

describe(`HTTP surface (${currentBackend()})`, () => {
  const ctx = useTestServer({ extraEnv: { LATCHKEY_TRUST_PROXY: 'true' } });
  let config: oidc.Configuration;
  beforeAll(async () => {
    const { client } = await seedDirectory(ctx.server.latchkey.services);
    config = await discover(ctx.server, client);
  });

  it('sends security headers, and a strict CSP on hosted pages', async () => {
    const { page } = await openLoginPage(new UserAgent(), config);
    expect(page.headers.get('x-frame-options')).toBe('DENY');
    expect(page.headers.get('x-content-type-options')).toBe('nosniff');
    expect(page.headers.get('referrer-policy')).toBe('no-referrer');
    expect(page.headers.get('cache-control')).toBe('no-store');
    expect(page.headers.get('content-security-policy')).toContain("frame-ancestors 'none'");
    expect(page.headers.get('x-request-id')).toMatch(/^[\w-]{8,}$/);
  });

  it('ends the authorization with access_denied when the user cancels', async () => {
    const agent = new UserAgent();
    const { page } = await openLoginPage(agent, config, { state: 'st' });
    const cancelled = await agent.follow(await agent.submit(page, 'form[action$="/abort"]'), REDIRECT_URI);
    const back = new URL(cancelled.location!);
    expect(back.searchParams.get('error')).toBe('access_denied');
    expect(back.searchParams.get('state')).toBe('st');
  });

  it('explains an unknown or expired sign-in page instead of failing obscurely', async () => {
    const response = await new UserAgent().request(`${ctx.server.issuer}/interaction/does-not-exist`, { headers: { accept: 'text/html' } });
    expect(response.status).toBe(400);
    expect(response.headers.get('content-type')).toContain('text/html');
    expect(alertText(response.html)).toBeTruthy();
  });

  it('builds public URLs from forwarded headers when behind a trusted proxy', async () => {
    const response = await fetch(`${ctx.server.url}/.well-known/openid-configuration`, { headers: { 'x-forwarded-proto': 'https', 'x-forwarded-host': 'id.example.com' } });
    const discovery = await response.json() as { issuer: string; token_endpoint: string };
    expect(discovery.issuer).toBe(ctx.server.issuer);
    expect(discovery.token_endpoint).toBe('https://id.example.com/token');
  });

  it('serves health, readiness and metrics', async () => {
    expect(await (await fetch(`${ctx.server.issuer}/healthz`)).json()).toEqual({ status: 'ok' });
    expect(await (await fetch(`${ctx.server.issuer}/readyz`)).json()).toEqual({ status: 'ready', database: 'ok' });
    const metrics = await fetch(`${ctx.server.issuer}/metrics`);
    expect(metrics.headers.get('content-type')).toContain('text/plain');
    expect(await metrics.text()).toContain('latchkey_process_cpu_seconds_total');
  });
});

describe(`hosted UI theming (${currentBackend()})`, () => {
  const themeFile = join(mkdtempSync(join(tmpdir(), 'lk-theme-')), 'acme.css');
  writeFileSync(themeFile, ':root { --lk-accent: #d9480f; }\n');
  const ctx = useTestServer({ extraEnv: { LATCHKEY_THEME_CSS: themeFile, LATCHKEY_PRODUCT_NAME: 'Acme ID' } });
  let config: oidc.Configuration;
  beforeAll(async () => {
    const { client } = await seedDirectory(ctx.server.latchkey.services);
    config = await discover(ctx.server, client);
  });

  it('appends the theme stylesheet and shows the product name, keeping the stable hooks', async () => {
    const css = await (await fetch(`${ctx.server.issuer}/static/latchkey.css`)).text();
    expect(css.indexOf('--lk-accent: #d9480f')).toBeGreaterThan(css.indexOf('--lk-accent: #3557d6'));
    const { page } = await openLoginPage(new UserAgent(), config);
    expect(page.html).toContain('Acme ID');
    expect(page.html).toContain('id="login-form"');
  });
});

describe(`first-party clients (${currentBackend()})`, () => {
  const ctx = useTestServer();
  let config: oidc.Configuration;
  beforeAll(async () => {
    const { services } = ctx.server.latchkey;
    await services.users.create({ username: 'fran', password: 'correct horse battery staple', emailVerified: true });
    const own = await services.clients.create({ name: 'Our own app', redirectUris: [REDIRECT_URI], firstParty: true });
    expect(own.first_party).toBe(true);
    config = await discover(ctx.server, own);
  });

  it('skips the consent page, unless the app asks for it with prompt=consent', async () => {
    const agent = new UserAgent();
    const { page } = await openLoginPage(agent, config);
    const landed = await agent.follow(await agent.submit(page, 'form#login-form', { username: 'fran', password: 'correct horse battery staple' }), REDIRECT_URI);
    expect(landed.location).toMatch(/^http:\/\/localhost:8976\/callback\?code=/);

    const asked = await agent.navigate(oidc.buildAuthorizationUrl(config, {
      redirect_uri: REDIRECT_URI, scope: 'openid', prompt: 'consent',
      code_challenge: await oidc.calculatePKCECodeChallenge(oidc.randomPKCECodeVerifier()), code_challenge_method: 'S256',
    }).toString(), REDIRECT_URI);
    expect(asked.html).toContain('id="consent-form"');
  });
});

describe(`protected metrics (${currentBackend()})`, () => {
  const ctx = useTestServer({ extraEnv: { LATCHKEY_METRICS_TOKEN: 'scrape-token-0123456789' } });
  it('asks for the bearer token when one is configured', async () => {
    expect((await fetch(`${ctx.server.issuer}/metrics`)).status).toBe(401);
    expect((await fetch(`${ctx.server.issuer}/metrics`, { headers: { authorization: 'Bearer wrong-token-0123456789' } })).status).toBe(401);
    const ok = await fetch(`${ctx.server.issuer}/metrics`, { headers: { authorization: 'Bearer scrape-token-0123456789' } });
    expect(ok.status).toBe(200);
    expect(await ok.text()).toContain('latchkey_http_requests_total');
  });
});
