import * as oidc from 'openid-client';
import { beforeAll, describe, expect, it } from 'vitest';
import { currentBackend } from '../support/backend.js';
import { PASSWORD, REDIRECT_URI, seedDirectory } from '../support/fixtures.js';
import { openLoginPage } from '../support/flows.js';
import { discover, useTestServer } from '../support/harness.js';
import { alertText, UserAgent } from '../support/user-agent.js';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { request as httpRequest } from 'node:http';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CookieJar } from 'tough-cookie';

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

describe(`metrics on a separate listener (${currentBackend()})`, () => {
  // In production where it can be (production refuses the embedded database); the test issuer is http on loopback.
  const production: Record<string, string> = currentBackend() === 'postgres' ? { NODE_ENV: 'production', LATCHKEY_ALLOW_HTTP_ISSUER: 'true' } : {};
  const ctx = useTestServer({ extraEnv: { LATCHKEY_METRICS_PORT: '0', ...production } });

  it('serves /metrics only on the metrics port, bound to loopback, and not on the main port', async () => {
    expect(ctx.server.config.metricsHost).toBe('127.0.0.1');
    const port = ctx.server.metricsPort!;
    expect(port).toBeGreaterThan(0);
    expect(port).not.toBe(ctx.server.port);
    await fetch(`${ctx.server.issuer}/healthz`);
    const scraped = await fetch(`http://127.0.0.1:${port}/metrics`);
    expect(scraped.status).toBe(200);
    expect(await scraped.text()).toContain('latchkey_http_requests_total{method="GET",route="/healthz",status="200"}');
    expect((await fetch(`${ctx.server.issuer}/metrics`)).status).toBe(404);
    // Nothing else is served there: not the sign-in pages, not the provider.
    for (const path of ['/healthz', '/.well-known/openid-configuration', '/token']) expect((await fetch(`http://127.0.0.1:${port}${path}`)).status).toBe(404);
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

/** What a forging client sends on every request: another host, another scheme, another port. */
const FORGED = { host: 'evil.example', 'x-forwarded-host': 'evil.example:8443', 'x-forwarded-proto': 'https' };

interface RawResponse { status: number; headers: Record<string, string | string[] | undefined>; body: string }

/** An HTTP/1.1 request with any Host and forwarded headers (fetch always sends the URL's own Host). */
function forgedRequest(port: number, path: string, init: { method?: string; headers?: Record<string, string>; body?: string } = {}): Promise<RawResponse> {
  return new Promise((resolve, reject) => {
    const req = httpRequest({ host: '127.0.0.1', port, path, method: init.method ?? 'GET', headers: { ...FORGED, ...init.headers }, setHost: false }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => { body += chunk; });
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body }));
    });
    req.on('error', reject);
    req.end(init.body);
  });
}

/** Bytes on a socket, for what no HTTP client will send (a malformed Host, an absolute-form target). */
function rawHttp(port: number, text: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const socket = connect(port, '127.0.0.1', () => socket.end(text));
    let out = '';
    socket.setEncoding('latin1');
    socket.on('data', (chunk: string) => { out += chunk; });
    socket.on('close', () => resolve(out));
    socket.on('error', reject);
  });
}

/** Every absolute http(s) URL in a text. */
const absoluteUrls = (text: string) => text.match(/https?:\/\/[^\s"'<>]+/g) ?? [];

for (const trustProxy of [true, false]) {
  describe(`absolute URLs come from LATCHKEY_ISSUER only (trust proxy ${trustProxy ? 'on' : 'off'}, ${currentBackend()})`, () => {
    const ctx = useTestServer({ extraEnv: { LATCHKEY_TRUST_PROXY: String(trustProxy) } });
    let clientId: string;
    beforeAll(async () => {
      clientId = (await seedDirectory(ctx.server.latchkey.services)).client.client_id;
    });

    it('advertises only issuer URLs in discovery under a forged Host and X-Forwarded-*, cacheable for 5 minutes', async () => {
      const response = await forgedRequest(ctx.server.port, '/.well-known/openid-configuration');
      expect(response.status).toBe(200);
      const urls = absoluteUrls(response.body);
      expect(urls.length).toBeGreaterThan(5);
      for (const url of urls) expect(url.startsWith(`${ctx.server.issuer}/`) || url === ctx.server.issuer).toBe(true);
      const discovery = JSON.parse(response.body) as Record<string, string>;
      expect(discovery.token_endpoint).toBe(`${ctx.server.issuer}/token`);
      expect(discovery.jwks_uri).toBe(`${ctx.server.issuer}/jwks`);
      expect(response.headers['cache-control']).toBe('public, max-age=300');
    });

    it('serves the JWKS under a forged Host with a one-minute public cache and no foreign URL', async () => {
      const response = await forgedRequest(ctx.server.port, '/jwks');
      expect(response.status).toBe(200);
      expect(response.body).not.toContain('evil.example');
      expect((JSON.parse(response.body) as { keys: unknown[] }).keys.length).toBeGreaterThan(0);
      expect(response.headers['cache-control']).toBe('public, max-age=60');
    });

    it('posts the logout form to the issuer under a forged Host', async () => {
      // Without a session the provider submits the form itself; signed in, the hosted page shows it (below).
      const response = await forgedRequest(ctx.server.port, `/session/end?client_id=${clientId}`);
      expect(response.status).toBe(200);
      expect(response.body).toContain(`action="${ctx.server.issuer}/session/end/confirm"`);
      expect(response.body).not.toContain('evil.example');
    });

    it('answers an absolute-form request target with issuer URLs, not the target\'s host', async () => {
      const raw = await rawHttp(ctx.server.port, 'GET http://evil.example/.well-known/openid-configuration HTTP/1.1\r\nHost: evil.example\r\nConnection: close\r\n\r\n');
      expect(raw).toMatch(/^HTTP\/1\.1 200 /);
      expect(raw).toContain(`"token_endpoint":"${ctx.server.issuer}/token"`);
      expect(raw).not.toContain('evil.example');
    });

    it('redirects a whole sign-in with forged headers only to the issuer or the client, and cookies follow the http issuer (not Secure)', async () => {
      const jar = new CookieJar();
      const verifier = oidc.randomPKCECodeVerifier();
      const auth = new URLSearchParams({
        client_id: clientId, response_type: 'code', scope: 'openid', redirect_uri: REDIRECT_URI,
        code_challenge: await oidc.calculatePKCECodeChallenge(verifier), code_challenge_method: 'S256',
      });
      const locations: string[] = [];
      const cookies: string[] = [];
      const step = async (url: string, init: { method?: string; body?: string } = {}) => {
        const target = new URL(url, ctx.server.issuer);
        const { pathname, search } = target;
        const cookie = await jar.getCookieString(target.toString());
        const response = await forgedRequest(ctx.server.port, pathname + search, {
          ...init, headers: { ...(cookie ? { cookie } : {}), ...(init.body ? { 'content-type': 'application/x-www-form-urlencoded' } : {}) },
        });
        for (const header of [response.headers['set-cookie'] ?? []].flat()) {
          cookies.push(header);
          await jar.setCookie(header, target.toString());
        }
        if (typeof response.headers.location === 'string') locations.push(response.headers.location);
        return response;
      };
      const follow = async (first: RawResponse) => {
        let response = first;
        while (typeof response.headers.location === 'string' && !response.headers.location.startsWith(REDIRECT_URI)) response = await step(response.headers.location);
        return response;
      };
      let page = await follow(await step(`/auth?${auth.toString()}`));
      const form = (html: string, id: string) => {
        const action = new RegExp(`<form id="${id}"[^>]*action="([^"]+)"`).exec(html)![1]!;
        const csrf = /name="csrf" value="([^"]+)"/.exec(html)![1]!;
        return { action, csrf };
      };
      const login = form(page.body, 'login-form');
      page = await follow(await step(login.action, { method: 'POST', body: new URLSearchParams({ csrf: login.csrf, username: 'alice', password: PASSWORD }).toString() }));
      const consent = form(page.body, 'consent-form');
      page = await follow(await step(consent.action, { method: 'POST', body: new URLSearchParams({ csrf: consent.csrf }).toString() }));
      expect(page.headers.location).toMatch(new RegExp(`^${REDIRECT_URI}\\?code=`));
      // Signed in: the logout confirmation is the hosted page, and its form posts to the issuer.
      const logout = await step(`/session/end?client_id=${clientId}`);
      expect(logout.body).toContain('id="op.logoutForm"');
      expect(logout.body).toContain(`action="${ctx.server.issuer}/session/end/confirm"`);
      expect(absoluteUrls(logout.body).filter((url) => !url.startsWith(ctx.server.issuer))).toEqual([]);
      expect(locations.length).toBeGreaterThan(3);
      for (const location of locations) {
        expect(location.startsWith('/') || location.startsWith(`${ctx.server.issuer}/`) || location.startsWith(REDIRECT_URI)).toBe(true);
      }
      expect(cookies.length).toBeGreaterThan(0);
      for (const cookie of cookies) expect(cookie.toLowerCase()).not.toMatch(/;\s*secure/);
    });

    it('refuses a malformed Host with 400 invalid_request instead of failing', async () => {
      for (const host of ['a b', 'exa mple.com:99999', 'example.com:99999', '[::1', '', 'a@b', 'host:port']) {
        const raw = await rawHttp(ctx.server.port, `GET /.well-known/openid-configuration HTTP/1.1\r\nHost: ${host}\r\nConnection: close\r\n\r\n`);
        expect(raw, host).toMatch(/^HTTP\/1\.1 400 /);
        expect(raw, host).toContain('"error":"invalid_request"');
      }
      // Control characters never reach Latchkey: Node's HTTP parser answers 400 itself.
      expect(await rawHttp(ctx.server.port, 'GET /jwks HTTP/1.1\r\nHost: a\u0001b\r\nConnection: close\r\n\r\n')).toMatch(/^HTTP\/1\.1 400 /);
      expect(await rawHttp(ctx.server.port, 'GET /healthz HTTP/1.1\r\nHost: [::1]:3000\r\nConnection: close\r\n\r\n')).toMatch(/^HTTP\/1\.1 200 /);
    });
  });
}

describe(`an https issuer served through a TLS-terminating proxy (${currentBackend()})`, () => {
  const ctx = useTestServer({ extraEnv: { LATCHKEY_ISSUER: 'https://id.example.test' } });
  let clientId: string;
  beforeAll(async () => {
    clientId = (await seedDirectory(ctx.server.latchkey.services)).client.client_id;
  });

  it('marks cookies Secure and advertises https URLs even on a plain connection that claims http', async () => {
    const discovery = await forgedRequest(ctx.server.port, '/.well-known/openid-configuration', { headers: { 'x-forwarded-proto': 'http' } });
    expect(JSON.parse(discovery.body)).toMatchObject({ issuer: 'https://id.example.test', token_endpoint: 'https://id.example.test/token' });
    const auth = new URLSearchParams({
      client_id: clientId, response_type: 'code', scope: 'openid', redirect_uri: REDIRECT_URI,
      code_challenge: 'a'.repeat(43), code_challenge_method: 'S256',
    });
    const started = await forgedRequest(ctx.server.port, `/auth?${auth.toString()}`, { headers: { 'x-forwarded-proto': 'http' } });
    expect(started.status).toBe(303);
    const cookies = [started.headers['set-cookie'] ?? []].flat();
    expect(cookies.length).toBeGreaterThan(0);
    for (const cookie of cookies) expect(cookie.toLowerCase()).toMatch(/;\s*secure/);
  });
});
