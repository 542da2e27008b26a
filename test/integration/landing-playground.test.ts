import { request } from 'node:http';
import { parse } from 'node-html-parser';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createMigratedTestDatabase, currentBackend, type TestDatabase } from '../support/backend.js';
import { PASSWORD } from '../support/fixtures.js';
import { startTestServer, type TestServer } from '../support/test-server.js';
import { alertText, UserAgent, type PageResponse } from '../support/user-agent.js';

/** A password put into DATABASE_URL: trust auth ignores it, and it must never reach a page or a log line. */
const DB_PASSWORD = 'pw-that-must-stay-hidden-7d1f';

/** GET with raw headers (fetch refuses to send a Host header of its own choosing). */
function rawGet(server: TestServer, path: string, headers: Record<string, string>): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const outgoing = request({ host: '127.0.0.1', port: server.port, path, headers }, (response) => {
      const chunks: Buffer[] = [];
      response.on('data', (chunk: Buffer) => chunks.push(chunk));
      response.on('end', () => resolve({ status: response.statusCode ?? 0, body: Buffer.concat(chunks).toString('utf8') }));
    });
    outgoing.on('error', reject);
    outgoing.end();
  });
}

/**
 * The newcomer's first hour: the landing page at `/`, the start-up hint, and the sign-in playground (a
 * built-in public client running the code flow with PKCE server-side and showing the decoded tokens).
 */
describe(`landing page and playground (${currentBackend()})`, () => {
  let database: TestDatabase;
  let server: TestServer;
  let databaseName = '';

  beforeAll(async () => {
    database = await createMigratedTestDatabase();
    const env = { ...database.env };
    if (env.DATABASE_URL) {
      const url = new URL(env.DATABASE_URL);
      url.password = DB_PASSWORD;
      env.DATABASE_URL = url.toString();
      databaseName = url.pathname.slice(1);
    }
    server = await startTestServer({ env });
  });
  afterAll(async () => {
    await server?.close();
    await database?.drop();
  });

  const url = (path: string) => `${server.issuer}${path}`;

  /** Runs the playground from its start to the page after the callback, signing in on the hosted login. */
  async function signInThroughPlayground(agent: UserAgent, username: string): Promise<PageResponse> {
    const login = await agent.navigate(url('/playground/start'));
    expect(login.url).toMatch(/\/interaction\//);
    const submitted = await agent.submit(login, 'form#login-form', { username, password: PASSWORD });
    const callback = await agent.follow(submitted, url('/playground/callback'));
    expect(callback.location).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/playground\/callback\?code=/);
    return agent.request(callback.location!);
  }

  it('shows the discovery URL built from LATCHKEY_ISSUER even when Host and X-Forwarded-Host are hostile', async () => {
    const page = await rawGet(server, '/', { host: 'evil.example', 'x-forwarded-host': 'evil.example', 'x-forwarded-proto': 'https' });
    expect(page.status).toBe(200);
    const html = parse(page.body);
    expect(html.querySelector('#discovery-url')?.getAttribute('href')).toBe(`${server.issuer}/.well-known/openid-configuration`);
    expect(page.body).not.toContain('evil.example');
  });

  it('outside production, names the version, the database without its password, the next commands and the playground', async () => {
    const page = await new UserAgent().request(url('/'));
    const html = parse(page.html);
    expect(html.querySelector('#landing-version')?.text).toMatch(/^Latchkey \d+\.\d+\.\d+/);
    const databaseText = html.querySelector('#landing-database')?.text ?? '';
    if (currentBackend() === 'postgres') expect(databaseText).toBe(`Postgres at 127.0.0.1:5432/${databaseName}`);
    else expect(databaseText).toMatch(/^embedded Postgres \(PGlite\) in /);
    expect(page.html).not.toContain(DB_PASSWORD);
    expect(page.html).toContain('npx latchkey user create --email you@example.com --password -');
    expect(page.html).toContain('npx latchkey client create');
    expect(page.html).toContain(`action="${server.issuer}/playground"`);
    expect(page.headers.get('content-security-policy')).toContain("default-src 'none'");
  });

  it('logs a start-up hint with the landing and playground URLs and the database without its password', () => {
    const hint = server.logs.lines.map((line) => JSON.parse(line) as Record<string, unknown>).find((entry) => typeof entry.msg === 'string' && entry.msg.startsWith('next:'));
    expect(hint).toMatchObject({ landing: `${server.issuer}/`, playground: `${server.issuer}/playground`, createUser: 'npx latchkey user create --email you@example.com --password -' });
    if (currentBackend() === 'postgres') expect(hint?.database).toBe(`Postgres at 127.0.0.1:5432/${databaseName}`);
    else expect(hint?.database).toMatch(/^embedded Postgres \(PGlite\) in /);
    expect(server.logs.text).not.toContain(DB_PASSWORD);
  });

  it('runs the code flow with PKCE and shows the decoded ID and access tokens and the userinfo answer', async () => {
    const user = await server.latchkey.services.users.create({ username: 'ada', email: 'ada@example.com', emailVerified: true, password: PASSWORD });
    const agent = new UserAgent();
    const home = await agent.request(url('/playground'));
    expect(home.status).toBe(200);
    expect(parse(home.html).querySelector('form#playground-start')?.getAttribute('action')).toBe('/playground/start');
    // Signed in by e-mail address, as the quick start does.
    const page = await signInThroughPlayground(agent, 'ada@example.com');
    expect(page.status).toBe(200);
    expect(page.headers.get('cache-control')).toBe('no-store');
    const html = parse(page.html);
    const idToken = JSON.parse(html.querySelector('#id-token-payload')?.text ?? '{}') as Record<string, unknown>;
    expect(idToken).toMatchObject({ sub: user.id, email: 'ada@example.com', aud: 'latchkey-playground', iss: server.issuer });
    expect(JSON.parse(html.querySelector('#id-token-header')?.text ?? '{}')).toMatchObject({ alg: expect.any(String), kid: expect.any(String) });
    expect(JSON.parse(html.querySelector('#access-token-payload')?.text ?? '{}')).toMatchObject({ sub: user.id, client_id: 'latchkey-playground', aud: server.issuer });
    expect(JSON.parse(html.querySelector('#userinfo')?.text ?? '{}')).toMatchObject({ sub: user.id, email: 'ada@example.com', email_verified: true });
    // No identity pool here: no credentials button, and no route behind it.
    expect(html.querySelector('form#credentials-form')).toBeNull();
    expect((await agent.request(url('/playground/credentials'), { method: 'POST', body: new URLSearchParams({ csrf: 'x' }) })).status).toBe(404);
    // Decoded claims only: no token value is on the page or in the log.
    expect(page.html).not.toMatch(/eyJ[\w-]+\.eyJ[\w-]+\.[\w-]+/);
    expect(server.logs.text).not.toMatch(/eyJ[\w-]+\.eyJ[\w-]+/);
  });

  it('refuses a callback whose state is not this browser\'s with a clear 400 page, redeeming nothing', async () => {
    await server.latchkey.services.users.create({ username: 'bea', email: 'bea@example.com', emailVerified: true, password: PASSWORD });
    const agent = new UserAgent();
    const login = await agent.navigate(url('/playground/start'));
    const submitted = await agent.submit(login, 'form#login-form', { username: 'bea', password: PASSWORD });
    const callback = await agent.follow(submitted, url('/playground/callback'));
    const forged = new URL(callback.location!);
    forged.searchParams.set('state', 'not-the-state-this-browser-was-given');
    const refused = await agent.request(forged.href);
    expect(refused.status).toBe(400);
    expect(alertText(refused.html)).toMatch(/state mismatch/);
    // A browser that never started a sign-in (no cookie) is refused the same way.
    const stranger = await new UserAgent().request(callback.location!);
    expect(stranger.status).toBe(400);
    expect(alertText(stranger.html)).toMatch(/state mismatch/);
  });

  // Production refuses the embedded database, so a production replica exists only on Postgres.
  if (currentBackend() === 'postgres') it('in production, shows no operational details, answers 404 for the playground and removes its client', async () => {
    const issuedToPlayground = async () => (await server.db.query<{ n: number }>(`SELECT count(*)::int AS n FROM oidc_model WHERE payload->>'clientId' = 'latchkey-playground'`)).rows[0]!.n;
    expect(await issuedToPlayground()).toBeGreaterThan(0);
    // A second replica on the same database, in production: the playground is off by default there. (The test
    // issuer is plain http on loopback, which production accepts only when told to.)
    const production = await startTestServer({ env: database.env, issuer: server.issuer, db: server.db, extraEnv: { NODE_ENV: 'production', LATCHKEY_METRICS_PORT: '0', LATCHKEY_ALLOW_HTTP_ISSUER: 'true' } });
    try {
      const page = await new UserAgent().request(`${production.url}/`);
      expect(page.status).toBe(200);
      const html = parse(page.html);
      expect(html.querySelector('#discovery-url')?.getAttribute('href')).toBe(`${server.issuer}/.well-known/openid-configuration`);
      expect(html.querySelector('#landing-running')).toBeNull();
      expect(html.querySelector('#landing-version')).toBeNull();
      expect(page.html).not.toMatch(/PGlite|Postgres at|npx latchkey|playground/i);
      expect((await new UserAgent().request(`${production.url}/playground`)).status).toBe(404);
      expect((await new UserAgent().request(`${production.url}/playground/start`)).status).toBe(404);
      // Turned off, the playground leaves nothing usable behind: no client, no grant or token issued to it,
      // and a sign-in through it (from a replica still running the old setting) is refused by the provider.
      expect((await server.latchkey.services.clients.list()).map((c) => c.client_id)).not.toContain('latchkey-playground');
      expect(await issuedToPlayground()).toBe(0);
      const stale = await new UserAgent().navigate(url('/playground/start'));
      expect(stale.status).toBe(400);
      expect(stale.url).toMatch(/\/auth\?/);
      const hint = production.logs.lines.map((line) => JSON.parse(line) as Record<string, unknown>).find((entry) => typeof entry.msg === 'string' && entry.msg.startsWith('next:'));
      expect(hint?.playground).toBeNull();
    } finally {
      await production.close();
    }
  });
});
