import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import * as oidc from 'openid-client';
import type { Browser, BrowserContext, CDPSession, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createMigratedTestDatabase, currentBackend, type TestDatabase } from '../support/backend.js';
import { launchChromium } from '../support/browser.js';
import { PASSWORD } from '../support/fixtures.js';
import { discover } from '../support/harness.js';
import { freePort, startTestServer, type TestServer } from '../support/test-server.js';

/** A credential as Chromium's virtual authenticator exports it (CDP WebAuthn.Credential). */
interface VirtualCredential {
  credentialId: string;
  isResidentCredential: boolean;
  rpId?: string;
  privateKey: string;
  userHandle?: string;
  signCount: number;
}

/**
 * Passkeys in Chromium, with the DevTools protocol's virtual authenticator (CTAP2, internal, resident keys,
 * user verification): a passkey is registered on the account page, then used as the second factor after the
 * password and alone for a passwordless sign-in; the ID token's amr names the factors. WebAuthn needs a
 * secure context and a domain as RP ID, so this Latchkey's issuer is http://localhost:PORT.
 */
describe(`passkeys in Chromium (${currentBackend()})`, () => {
  let database: TestDatabase;
  let server: TestServer;
  let browser: Browser;
  let app: Server;
  let redirectUri: string;
  let config: oidc.Configuration;
  let credential: VirtualCredential;

  beforeAll(async () => {
    database = await createMigratedTestDatabase();
    const port = await freePort();
    server = await startTestServer({ env: database.env, issuer: `http://localhost:${port}`, extraEnv: { PORT: String(port) } });
    app = createServer((_req, res) => { res.setHeader('content-type', 'text/plain'); res.end('signed in'); });
    await new Promise<void>((resolve) => app.listen(0, '127.0.0.1', resolve));
    redirectUri = `http://127.0.0.1:${(app.address() as AddressInfo).port}/callback`;
    const { services } = server.latchkey;
    await services.users.create({ email: 'grace@example.com', password: PASSWORD, emailVerified: true });
    config = await discover(server, await services.clients.create({ name: 'Passkey Browser App', redirectUris: [redirectUri] }));
    browser = await launchChromium();
  });
  afterAll(async () => {
    await browser?.close();
    await new Promise((resolve) => app?.close(resolve));
    await server?.close();
    await database?.drop();
  });

  /** A fresh browser profile with a virtual platform authenticator (holding `credentials`), and its console errors. */
  async function device(credentials: VirtualCredential[] = []): Promise<{ context: BrowserContext; page: Page; cdp: CDPSession; authenticatorId: string; errors: string[] }> {
    const context = await browser.newContext();
    const page = await context.newPage();
    const errors: string[] = [];
    page.on('console', (message) => { if (message.type() === 'error') errors.push(message.text()); });
    const cdp = await context.newCDPSession(page);
    await cdp.send('WebAuthn.enable');
    const { authenticatorId } = await cdp.send('WebAuthn.addVirtualAuthenticator', {
      options: { protocol: 'ctap2', transport: 'internal', hasResidentKey: true, hasUserVerification: true, isUserVerified: true, automaticPresenceSimulation: true },
    });
    for (const stored of credentials) await cdp.send('WebAuthn.addCredential', { authenticatorId, credential: stored });
    return { context, page, cdp, authenticatorId, errors };
  }

  /** Starts the app's sign-in in `page`; returns the PKCE verifier. */
  async function startSignIn(page: Page): Promise<string> {
    const verifier = oidc.randomPKCECodeVerifier();
    const url = oidc.buildAuthorizationUrl(config, { redirect_uri: redirectUri, scope: 'openid email', code_challenge: await oidc.calculatePKCECodeChallenge(verifier), code_challenge_method: 'S256' });
    await page.goto(url.toString());
    await page.waitForSelector('form#login-form', { timeout: 5000 }).catch(async (e: unknown) => { throw new Error(`${page.url()} ${(await page.content()).slice(0, 1500)}`, { cause: e }); });
    return verifier;
  }

  /** Consents if asked, lands on the app and redeems the code: the ID token's claims. */
  async function finishAtApp(page: Page, verifier: string) {
    await page.waitForURL((u) => u.toString().startsWith(redirectUri) || u.pathname.endsWith('/consent') || page.url().includes('/interaction/'));
    if (!page.url().startsWith(redirectUri)) {
      await page.waitForSelector('form#consent-form');
      await page.click('form#consent-form button[type=submit]');
      await page.waitForURL((u) => u.toString().startsWith(redirectUri));
    }
    return (await oidc.authorizationCodeGrant(config, new URL(page.url()), { pkceCodeVerifier: verifier })).claims()!;
  }

  it('registers a passkey on the account page, from a script served as a file under a CSP without unsafe-inline', async () => {
    const { context, page, cdp, authenticatorId, errors } = await device();
    await page.goto(`${server.issuer}/account`);
    await page.fill('form#login-form input[name=username]', 'grace@example.com');
    await page.fill('form#login-form input[name=password]', PASSWORD);
    const account = page.waitForResponse((response) => new URL(response.url()).pathname === '/account' && response.request().method() === 'GET');
    await page.click('form#login-form button[type=submit]');
    const csp = (await account).headers()['content-security-policy']!;
    expect(csp).toContain("script-src 'self'");
    expect(csp).not.toContain('unsafe-inline');
    expect(csp).not.toContain('unsafe-eval');
    // The script is a file from Latchkey's origin, and the page has no inline script.
    const script = await context.request.get(`${server.issuer}/static/passkey.js`);
    expect(script.headers()['content-type']).toMatch(/^text\/javascript/);
    expect(await script.text()).toContain('navigator.credentials');
    expect(await Promise.all((await page.locator('script').all()).map((element) => element.getAttribute('src')))).toEqual(['/static/passkey.js']);

    await page.locator('#passkey-add').waitFor({ state: 'visible' });
    await page.fill('#passkey-name', 'Virtual key');
    await page.click('#passkey-add');
    await page.waitForSelector('#passkey-list');
    expect(await page.locator('[role=status]').innerText()).toContain('Your passkey is added');
    expect(await page.locator('#passkey-list').innerText()).toContain('Virtual key');
    const { credentials } = await cdp.send('WebAuthn.getCredentials', { authenticatorId });
    expect(credentials).toHaveLength(1);
    expect(credentials[0]!.isResidentCredential).toBe(true);
    credential = credentials[0]!;
    expect(errors).toEqual([]);
    await context.close();
  });

  it('signs in with the password and the passkey as second factor: amr pwd hwk user mfa', async () => {
    const { context, page, cdp, authenticatorId, errors } = await device([credential]);
    const verifier = await startSignIn(page);
    await page.fill('form#login-form input[name=username]', 'grace@example.com');
    await page.fill('form#login-form input[name=password]', PASSWORD);
    await page.click('form#login-form button[type=submit]');
    await page.locator('#mfa-passkey').waitFor({ state: 'visible' });
    await page.click('#mfa-passkey');
    const claims = await finishAtApp(page, verifier);
    expect(claims).toMatchObject({ email: 'grace@example.com', amr: ['pwd', 'hwk', 'user', 'mfa'] });
    expect(errors).toEqual([]);
    // The same device goes on to the next sign-in: its signature counter moved on (a stale copy is a clone).
    credential = (await cdp.send('WebAuthn.getCredentials', { authenticatorId })).credentials[0]!;
    await context.close();
  });

  it('signs in with the passkey alone (no username, no password): amr hwk user mfa; a page without passkey forms keeps a policy without script', async () => {
    const { context, page, errors } = await device([credential]);
    const login = page.waitForResponse((response) => new URL(response.url()).pathname.startsWith('/interaction/') && response.request().method() === 'GET');
    const verifier = await startSignIn(page);
    expect((await login).headers()['content-security-policy']).toContain("script-src 'self'");
    // A page of the same sign-in without passkey forms (forgotten password) allows no script at all.
    const forgot = await context.request.get(new URL(await page.getAttribute('a#forgot-password-link', 'href') ?? '', page.url()).toString());
    expect(forgot.status()).toBe(200);
    expect(forgot.headers()['content-security-policy']).toContain("default-src 'none'");
    expect(forgot.headers()['content-security-policy']).not.toContain('script-src');
    await page.locator('#passkey-sign-in').waitFor({ state: 'visible' });
    await page.click('#passkey-sign-in');
    const claims = await finishAtApp(page, verifier);
    expect(claims).toMatchObject({ email: 'grace@example.com', amr: ['hwk', 'user', 'mfa'] });
    expect(errors).toEqual([]);
    await context.close();
  });
});
