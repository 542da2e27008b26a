import { generateKeyPairSync } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import * as oidc from 'openid-client';
import type { Browser, Request } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createMigratedTestDatabase, currentBackend, type TestDatabase } from '../support/backend.js';
import { launchChromium } from '../support/browser.js';
import { startFakeApple, type FakeApple } from '../support/fake-apple.js';
import { discover } from '../support/harness.js';
import { freePort, startTestServer, type TestServer } from '../support/test-server.js';

/**
 * Sign in with Apple in a real browser, with Apple on another site than Latchkey: Latchkey is served as
 * `localhost`, the fake Apple as `127.0.0.1`. Apple's form_post is then a cross-site POST, on which
 * Chromium sends none of Latchkey's SameSite=Lax cookies; the sign-in must survive it.
 */
describe(`Sign in with Apple in Chromium, Apple on another site (${currentBackend()})`, () => {
  let database: TestDatabase;
  let server: TestServer;
  let fake: FakeApple;
  let browser: Browser;
  let app: Server;
  let redirectUri: string;
  let config: oidc.Configuration;

  beforeAll(async () => {
    database = await createMigratedTestDatabase();
    // The relying party's callback: a real HTTP server that just acknowledges.
    app = createServer((_req, res) => { res.setHeader('content-type', 'text/plain'); res.end('signed in'); });
    await new Promise<void>((resolve) => app.listen(0, '127.0.0.1', resolve));
    redirectUri = `http://127.0.0.1:${(app.address() as AddressInfo).port}/callback`;
    const { privateKey, publicKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
    const port = await freePort();
    const issuer = `http://localhost:${port}`;
    fake = await startFakeApple({ redirectUris: [`${issuer}/federation/callback/apple`], teamId: 'TEAM123456', keyId: 'KEY1234567', publicKey });
    server = await startTestServer({
      env: database.env, issuer,
      extraEnv: {
        PORT: String(port), APPLE_CLIENT_ID: fake.clientId, APPLE_TEAM_ID: 'TEAM123456', APPLE_KEY_ID: 'KEY1234567',
        APPLE_PRIVATE_KEY: privateKey.export({ type: 'pkcs8', format: 'pem' }).toString(), APPLE_ISSUER: fake.issuer,
      },
    });
    config = await discover(server, await server.latchkey.services.clients.create({ name: 'Browser App', redirectUris: [redirectUri], firstParty: true }));
    browser = await launchChromium();
  }, 120_000);
  afterAll(async () => {
    await browser?.close();
    await fake?.stop();
    await server?.close();
    await database?.drop();
    await new Promise((resolve) => app?.close(resolve));
  });

  it('signs in through Apple: the form_post arrives cross-site, without Latchkey\'s SameSite=Lax cookies, and the browser lands on the app with a code the app redeems', async () => {
    fake.next({
      account: '001234.0c1d2e3f4a5b6c7d.1402', email: 'q8w3e5r7ty@privaterelay.appleid.com', emailVerified: 'true', privateEmail: 'true',
      name: { firstName: 'Mira', lastName: 'Holt' },
    });
    const verifier = oidc.randomPKCECodeVerifier();
    const state = oidc.randomState();
    const url = oidc.buildAuthorizationUrl(config, {
      redirect_uri: redirectUri, scope: 'openid email profile', state,
      code_challenge: await oidc.calculatePKCECodeChallenge(verifier), code_challenge_method: 'S256',
    });
    const context = await browser.newContext();
    // A SameSite=Lax cookie for the whole of Latchkey's site: Chromium sends it with same-site requests and
    // top-level GETs, so its absence from the callback POST shows that the browser treated the POST as cross-site.
    await context.addCookies([{ name: 'lax_probe', value: '1', domain: 'localhost', path: '/', sameSite: 'Lax' }]);
    const page = await context.newPage();
    // Every request to Latchkey in the order the browser made it, with the cookies it actually sent.
    const seen: Promise<{ request: Request; cookie: string | undefined }>[] = [];
    page.on('request', (request) => {
      if (request.url().startsWith(server.issuer)) seen.push(request.allHeaders().then((headers) => ({ request, cookie: headers.cookie })));
    });

    await page.goto(url.toString());
    expect(await page.locator('form#login-form').count()).toBe(1);
    // The interaction's cookie exists before the browser leaves for Apple.
    expect((await context.cookies()).filter((cookie) => cookie.domain === 'localhost').map((cookie) => cookie.name)).toContain('_interaction');
    await page.click('a#federation-apple');
    await page.waitForURL((u) => u.toString().startsWith(redirectUri));
    expect(await page.locator('body').innerText()).toBe('signed in');

    // Apple's form was posted by the browser, cross-site, so without a single Latchkey cookie…
    const toLatchkey = await Promise.all(seen);
    expect(toLatchkey[0]?.cookie).toMatch(/lax_probe=1/);
    const posts = toLatchkey.filter(({ request }) => new URL(request.url()).pathname === '/federation/callback/apple');
    expect(posts.map(({ request }) => request.method())).toEqual(['POST']);
    expect(posts[0]!.cookie).toBeUndefined();
    expect(new URLSearchParams(posts[0]!.request.postData() ?? '').has('user')).toBe(true);
    // …and the same-site GET it was sent on to carried the interaction's cookie again.
    const resumed = toLatchkey.find(({ request }) => /^\/interaction\/[^/]+\/federated\/apple$/.test(new URL(request.url()).pathname));
    expect(resumed?.cookie).toMatch(/_interaction=/);
    expect(resumed?.cookie).toMatch(/lax_probe=1/);
    expect(fake.secretChecks.map((check) => check.accepted)).toEqual([true]);

    const tokens = await oidc.authorizationCodeGrant(config, new URL(page.url()), { pkceCodeVerifier: verifier, expectedState: state });
    expect(tokens.claims()).toMatchObject({ amr: ['fed'], identities: ['apple'], email: 'q8w3e5r7ty@privaterelay.appleid.com', email_verified: true, given_name: 'Mira', family_name: 'Holt' });
  });
});
