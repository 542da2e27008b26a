import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import * as oidc from 'openid-client';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createMigratedTestDatabase, currentBackend, type TestDatabase } from '../support/backend.js';
import { launchChromium } from '../support/browser.js';
import { PASSWORD } from '../support/fixtures.js';
import { discover } from '../support/harness.js';
import { auditPage, DESKTOP, PHONE, screenshotDir } from '../support/page-audit.js';
import { startTestServer, type TestServer } from '../support/test-server.js';

/** WCAG's contrast ratio of two `rgb(r, g, b)` colors as getComputedStyle reports them. */
function contrast(a: string, b: string): number {
  const luminance = (color: string) => {
    const [r, g, bl] = (color.match(/\d+(\.\d+)?/g) ?? []).slice(0, 3).map((v) => {
      const c = Number(v) / 255;
      return c <= 0.03928 ? c / 12.92 : ((c + 0.055) / 1.055) ** 2.4;
    });
    return 0.2126 * (r ?? 0) + 0.7152 * (g ?? 0) + 0.0722 * (bl ?? 0);
  };
  const [hi, lo] = [luminance(a), luminance(b)].sort((x, y) => y - x) as [number, number];
  return (hi + 0.05) / (lo + 0.05);
}

/**
 * The hosted pages the self-service journey does not reach, in Chromium: the consent page (with the
 * signed-in account), the sign-in page with its password shown, the logout confirmation and the signed-out
 * page, error pages (a broken sign-in link, details open; an expired sign-in), the landing page and the
 * playground before and after a sign-in. Each passes axe-core's WCAG 2.1 A/AA rules in both color schemes
 * and is photographed at 1280 and 390 px. Field outlines are checked for 3:1 against the card, which axe
 * does not measure (WCAG 1.4.11).
 */
describe(`hosted pages in Chromium with accessibility checks (${currentBackend()})`, () => {
  const shots = screenshotDir(`hosted-pages-${currentBackend()}`);
  let database: TestDatabase;
  let server: TestServer;
  let browser: Browser;
  let app: Server;
  let redirectUri: string;
  let config: oidc.Configuration;

  beforeAll(async () => {
    database = await createMigratedTestDatabase();
    server = await startTestServer({ env: database.env });
    app = createServer((_req, res) => { res.setHeader('content-type', 'text/plain'); res.end('signed in'); });
    await new Promise<void>((resolve) => app.listen(0, '127.0.0.1', resolve));
    redirectUri = `http://127.0.0.1:${(app.address() as AddressInfo).port}/callback`;
    const { services } = server.latchkey;
    await services.users.create({ username: 'alice', email: 'alice@example.com', password: PASSWORD, emailVerified: true, profile: { name: 'Alice Example' } });
    // Not first-party, so its sign-in asks for consent.
    config = await discover(server, await services.clients.create({ name: 'Axe App', redirectUris: [redirectUri] }));
    browser = await launchChromium();
  });
  afterAll(async () => {
    await browser?.close();
    await new Promise((resolve) => app?.close(resolve));
    await server?.close();
    await database?.drop();
  });

  const newPage = async (): Promise<Page> => (await browser.newContext({ viewport: DESKTOP, deviceScaleFactor: 1 })).newPage();

  async function openSignIn(page: Page): Promise<void> {
    const url = oidc.buildAuthorizationUrl(config, {
      redirect_uri: redirectUri, scope: 'openid email', state: oidc.randomState(),
      code_challenge: await oidc.calculatePKCECodeChallenge(oidc.randomPKCECodeVerifier()), code_challenge_method: 'S256',
    });
    await page.goto(url.toString());
    await page.waitForSelector('form#login-form');
  }

  it('keeps field outlines at 3:1 or more against the card in the light and the dark scheme', async () => {
    const page = await newPage();
    await openSignIn(page);
    for (const colorScheme of ['light', 'dark'] as const) {
      await page.emulateMedia({ colorScheme });
      const border = await page.evaluate<string>("getComputedStyle(document.querySelector('input#password')).borderTopColor");
      const card = await page.evaluate<string>("getComputedStyle(document.querySelector('.lk-card')).backgroundColor");
      expect(contrast(border, card), `${colorScheme}: ${border} on ${card}`).toBeGreaterThanOrEqual(3);
    }
    await page.context().close();
  });

  it('gives the card 16 px or more of padding at each side at 390 px', async () => {
    const page = await newPage();
    await page.setViewportSize(PHONE);
    await page.goto(`${server.issuer}/`);
    const [left, right] = await page.evaluate<[string, string]>("(() => { const s = getComputedStyle(document.querySelector('.lk-card')); return [s.paddingLeft, s.paddingRight]; })()");
    expect(parseFloat(left)).toBeGreaterThanOrEqual(16);
    expect(parseFloat(right)).toBeGreaterThanOrEqual(16);
    await page.context().close();
  });

  it('passes axe on the sign-in page with the password shown, the consent page naming the account, the logout confirmation and the signed-out page', async () => {
    const page = await newPage();
    await openSignIn(page);
    await page.click('a#show-password-link');
    await page.waitForSelector('input#password[type=text]');
    await auditPage(page, shots, 'sign-in-password-shown');
    await page.fill('form#login-form input[name=username]', 'alice');
    await page.fill('form#login-form input[name=password]', PASSWORD);
    await page.click('form#login-form button[type=submit]');
    await page.waitForSelector('form#consent-form');
    expect(await page.locator('#consent-account').innerText()).toBe('Signed in as Alice Example (alice@example.com)');
    await auditPage(page, shots, 'consent');
    await page.click('form#consent-form button[type=submit]');
    await page.waitForURL((u) => u.toString().startsWith(redirectUri));

    await page.goto(`${server.issuer}/session/end`);
    await page.waitForSelector('form#op\\.logoutForm', { state: 'attached' });
    await auditPage(page, shots, 'logout-confirmation');
    await page.click('button[name=logout][value=yes]');
    await page.waitForSelector('text=You have signed out');
    await auditPage(page, shots, 'signed-out');
    await page.context().close();
  });

  it('passes axe on the error pages: a broken sign-in link (details open) and an expired sign-in with Start again', async () => {
    const page = await newPage();
    const broken = await page.goto(`${server.issuer}/auth?client_id=no-such-app&redirect_uri=${encodeURIComponent(redirectUri)}&response_type=code&scope=openid`);
    expect(broken!.status()).toBe(400);
    expect(await page.title()).toBe("Error: This app's sign-in link is broken · Latchkey");
    await auditPage(page, shots, 'error-broken-link');
    await page.click('details#error-details summary');
    expect(await page.locator('#error-code').innerText()).toBe('invalid_client');
    await auditPage(page, shots, 'error-broken-link-details');

    await page.goto(`${server.issuer}/interaction/no-such-interaction`);
    expect(await page.title()).toBe('Error: This sign-in has expired · Latchkey');
    await auditPage(page, shots, 'error-expired');
    await page.click('a#start-again');
    await page.waitForURL(`${server.issuer}/`);
    await page.context().close();
  });

  it('passes axe on the landing page and on the playground before and after a sign-in', async () => {
    const page = await newPage();
    expect((await page.goto(`${server.issuer}/`))!.status()).toBe(200);
    await auditPage(page, shots, 'landing');
    expect((await page.goto(`${server.issuer}/playground`))!.status()).toBe(200);
    await auditPage(page, shots, 'playground');
    await page.goto(`${server.issuer}/playground/start`);
    await page.waitForSelector('form#login-form');
    await page.fill('form#login-form input[name=username]', 'alice');
    await page.fill('form#login-form input[name=password]', PASSWORD);
    await page.click('form#login-form button[type=submit]');
    await page.waitForSelector('#playground-subject');
    await auditPage(page, shots, 'playground-signed-in');
    await page.context().close();
  });
});
