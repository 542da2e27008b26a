import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import * as oidc from 'openid-client';
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { currentBackend } from '../support/backend.js';
import { launchChromium } from '../support/browser.js';
import { PASSWORD } from '../support/fixtures.js';
import { discover, useTestServer } from '../support/harness.js';

/** A person signs in through the hosted UI in a real browser; the app completes the code flow. */
describe(`sign-in in Chromium (${currentBackend()})`, () => {
  const ctx = useTestServer();
  let browser: Browser;
  let app: Server;
  let redirectUri: string;
  let config: oidc.Configuration;

  beforeAll(async () => {
    // The relying party's callback: a real HTTP server that just acknowledges.
    app = createServer((_req, res) => { res.setHeader('content-type', 'text/plain'); res.end('signed in'); });
    await new Promise<void>((resolve) => app.listen(0, '127.0.0.1', resolve));
    redirectUri = `http://127.0.0.1:${(app.address() as AddressInfo).port}/callback`;
    const { services } = ctx.server.latchkey;
    await services.groups.create({ name: 'readers', precedence: 1 });
    await services.users.create({ email: 'grace@example.com', password: PASSWORD, emailVerified: true, groups: ['readers'] });
    await services.users.create({ email: 'heidi@example.com', password: PASSWORD, emailVerified: true });
    const client = await services.clients.create({ name: 'Browser App', redirectUris: [redirectUri] });
    config = await discover(ctx.server, client);
    browser = await launchChromium();
  });
  afterAll(async () => {
    await browser?.close();
    await new Promise((resolve) => app?.close(resolve));
  });

  it('shows an error for a wrong password, then signs in, consents and lands on the app', async () => {
    const verifier = oidc.randomPKCECodeVerifier();
    const state = oidc.randomState();
    const url = oidc.buildAuthorizationUrl(config, {
      redirect_uri: redirectUri, scope: 'openid email', state,
      code_challenge: await oidc.calculatePKCECodeChallenge(verifier), code_challenge_method: 'S256',
    });
    const page = await (await browser.newContext()).newPage();
    const consoleErrors: string[] = [];
    // The failed sign-in answers 401 by design; anything else logged as an error is a defect.
    page.on('console', (message) => { if (message.type() === 'error' && !message.text().includes('status of 401')) consoleErrors.push(message.text()); });

    await page.goto(url.toString());
    expect(await page.locator('form#login-form').count()).toBe(1);
    expect(await page.title()).toContain('Sign in');
    await page.fill('form#login-form input[name=username]', 'grace@example.com');
    await page.fill('form#login-form input[name=password]', 'not the password');
    await page.click('form#login-form button[type=submit]');
    expect(await page.locator('[role=alert]').innerText()).toBe('Incorrect username or password.');
    // The username survives the failed attempt; the password does not.
    expect(await page.inputValue('input[name=username]')).toBe('grace@example.com');
    expect(await page.inputValue('input[name=password]')).toBe('');

    await page.fill('input[name=password]', PASSWORD);
    await page.click('form#login-form button[type=submit]');
    await page.waitForSelector('form#consent-form');
    if (process.env.LATCHKEY_SCREENSHOT_DIR) await page.screenshot({ path: `${process.env.LATCHKEY_SCREENSHOT_DIR}/consent.png`, fullPage: true });
    expect(await page.locator('.lk-sub').innerText()).toContain('Browser App');
    await page.click('form#consent-form button[type=submit]');
    await page.waitForURL((u) => u.toString().startsWith(redirectUri));
    expect(await page.locator('body').innerText()).toBe('signed in');

    const tokens = await oidc.authorizationCodeGrant(config, new URL(page.url()), { pkceCodeVerifier: verifier, expectedState: state });
    expect(tokens.claims()).toMatchObject({ email: 'grace@example.com', groups: ['readers'] });
    // The strict CSP and our markup produce no console errors (a blocked style or script would).
    expect(consoleErrors).toEqual([]);
  });

  it('switches accounts with prompt=login: the provider ends grace\'s session on its own page and heidi lands on the app', async () => {
    const page = await (await browser.newContext()).newPage();
    const signIn = async (email: string, extra: Record<string, string> = {}) => {
      const verifier = oidc.randomPKCECodeVerifier();
      const url = oidc.buildAuthorizationUrl(config, {
        redirect_uri: redirectUri, scope: 'openid email', code_challenge: await oidc.calculatePKCECodeChallenge(verifier), code_challenge_method: 'S256', ...extra,
      });
      await page.goto(url.toString());
      await page.fill('form#login-form input[name=username]', email);
      await page.fill('form#login-form input[name=password]', PASSWORD);
      await page.click('form#login-form button[type=submit]');
      await page.waitForURL((u) => u.toString().startsWith(redirectUri) || u.pathname.startsWith('/interaction/'));
      if (await page.locator('form#consent-form').count()) {
        await page.click('form#consent-form button[type=submit]');
        await page.waitForURL((u) => u.toString().startsWith(redirectUri));
      }
      return oidc.authorizationCodeGrant(config, new URL(page.url()), { pkceCodeVerifier: verifier });
    };
    expect((await signIn('grace@example.com')).claims()).toMatchObject({ email: 'grace@example.com' });
    expect((await signIn('heidi@example.com', { prompt: 'login' })).claims()).toMatchObject({ email: 'heidi@example.com', amr: ['pwd'] });
  });

  it('is usable on a phone-sized screen', async () => {
    const context = await browser.newContext({ viewport: { width: 375, height: 740 }, deviceScaleFactor: 2 });
    const page = await context.newPage();
    const url = oidc.buildAuthorizationUrl(config, {
      redirect_uri: redirectUri, scope: 'openid', code_challenge: await oidc.calculatePKCECodeChallenge(oidc.randomPKCECodeVerifier()), code_challenge_method: 'S256',
    });
    await page.goto(url.toString());
    const box = await page.locator('form#login-form button[type=submit]').boundingBox();
    expect(box).not.toBeNull();
    expect(box!.x).toBeGreaterThanOrEqual(0);
    expect(box!.x + box!.width).toBeLessThanOrEqual(375);
    // Every input has a visible label (accessibility).
    for (const name of ['username', 'password']) {
      const id = await page.getAttribute(`input[name=${name}]`, 'id');
      expect(await page.locator(`label[for=${id}]`).count()).toBe(1);
    }
    if (process.env.LATCHKEY_SCREENSHOT_DIR) await page.screenshot({ path: `${process.env.LATCHKEY_SCREENSHOT_DIR}/login-mobile.png`, fullPage: true });
  });
});
