import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createMigratedTestDatabase, type TestDatabase } from '../support/backend.js';
import { REDIRECT_URI } from '../support/fixtures.js';
import { TcpProxy } from '../support/tcp-proxy.js';
import { alertText, UserAgent } from '../support/user-agent.js';
import { freePort, startTestServer, type TestServer } from '../support/test-server.js';

/**
 * Postgres going away and coming back: Latchkey stays alive, says it is not ready, answers 503 rather
 * than hanging or leaking errors, and recovers by itself. Runs against the real Postgres through a proxy
 * the test can cut.
 */
describe('database outage (postgres)', () => {
  let database: TestDatabase;
  let proxy: TcpProxy;
  let server: TestServer;
  let basic: string;
  let webClientId: string;

  beforeAll(async () => {
    database = await createMigratedTestDatabase('postgres');
    const direct = new URL(database.env.DATABASE_URL!);
    proxy = new TcpProxy(await freePort(), { host: direct.hostname, port: Number(direct.port || 5432) });
    await proxy.start();
    const viaProxy = new URL(direct);
    viaProxy.port = String(proxy.port);
    server = await startTestServer({ env: { DATABASE_URL: viaProxy.toString() } });
    const client = await server.latchkey.services.clients.create({ name: 'Svc', grantTypes: ['client_credentials'], scope: 'jobs:run' });
    basic = `Basic ${Buffer.from(`${client.client_id}:${client.client_secret}`).toString('base64')}`;
    webClientId = (await server.latchkey.services.clients.create({ name: 'Web', redirectUris: [REDIRECT_URI] })).client_id;
  });
  afterAll(async () => {
    await proxy?.cut();
    await server?.close(1000);
    await database?.drop();
  });

  const token = () => fetch(`${server.issuer}/token`, { method: 'POST', headers: { authorization: basic, 'content-type': 'application/x-www-form-urlencoded' }, body: 'grant_type=client_credentials&scope=jobs:run' });

  it('reports not ready, keeps serving what needs no database, fails cleanly, and recovers', async () => {
    expect((await token()).status).toBe(200);
    // A sign-in started before the outage…
    const agent = new UserAgent();
    const params = new URLSearchParams({ client_id: webClientId, response_type: 'code', scope: 'openid', redirect_uri: REDIRECT_URI, code_challenge: 'c'.repeat(43), code_challenge_method: 'S256' });
    const toLogin = await agent.request(`${server.issuer}/auth?${params.toString()}`);
    expect(toLogin.status).toBe(303);
    await proxy.cut();

    // …shows a clear "try again" page during it.
    const loginPage = await agent.request(toLogin.location!, { headers: { accept: 'text/html' } });
    expect(loginPage.status).toBe(503);
    expect(loginPage.headers.get('retry-after')).toBe('5');
    expect(alertText(loginPage.html)).toMatch(/temporarily unavailable/);

    const ready = await fetch(`${server.issuer}/readyz`);
    expect(ready.status).toBe(503);
    expect((await fetch(`${server.issuer}/healthz`)).status).toBe(200);
    expect((await fetch(`${server.issuer}/.well-known/openid-configuration`)).status).toBe(200);
    expect((await fetch(`${server.issuer}/jwks`)).status).toBe(200);

    const started = Date.now();
    const failed = await token();
    expect(failed.status).toBeGreaterThanOrEqual(500);
    expect(Date.now() - started).toBeLessThan(10_000);
    const body = await failed.text();
    expect(body).not.toMatch(/ECONNREFUSED|at .*\.js:\d+/); // no internals leak

    const sts = await fetch(`${server.issuer}/sts/credentials`, { method: 'POST', headers: { authorization: 'Bearer a.b.c' } });
    expect(sts.status).toBe(401); // a malformed token is refused before any database work

    const page = await fetch(`${server.issuer}/readyz`);
    expect(await page.json()).toMatchObject({ status: 'not_ready' });

    await proxy.start();
    const deadline = Date.now() + 15_000;
    let status = 0;
    while (status !== 200 && Date.now() < deadline) {
      status = (await fetch(`${server.issuer}/readyz`)).status;
      if (status !== 200) await new Promise((r) => setTimeout(r, 200));
    }
    expect(status).toBe(200);
    expect((await token()).status).toBe(200);
  }, 60_000);
});
