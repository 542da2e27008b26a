import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import * as oidc from 'openid-client';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { blockingViolations, runAxe } from '../support/axe.js';
import { createMigratedTestDatabase, currentBackend, type TestDatabase } from '../support/backend.js';
import { launchChromium } from '../support/browser.js';
import { createTestClock } from '../support/clock.js';
import { PASSWORD } from '../support/fixtures.js';
import { discover } from '../support/harness.js';
import { auditPage, DESKTOP, screenshotDir } from '../support/page-audit.js';
import { startSmtpCapture, type SmtpCapture } from '../support/smtp-capture.js';
import { startTestServer, type TestServer } from '../support/test-server.js';
import { authenticatorCode, wrongCode } from '../support/totp.js';

const EMAIL = 'journey@example.com';

/**
 * A person's whole self-service journey in Chromium: the app's sign-in → sign-up → the mailed code →
 * verification → the app; the account page → an authenticator enrolled → recovery codes → signed out
 * everywhere → password and authenticator code → the app. Every page on the way (and an error page, and
 * the sign-in page showing an alert) passes axe-core's WCAG 2.1 A/AA rules with nothing serious or
 * critical, in both color schemes, and is photographed at 1280 and 390 px wide.
 */
describe(`self-service journey in Chromium with accessibility checks (${currentBackend()})`, () => {
  const clock = createTestClock();
  const shots = screenshotDir(currentBackend());
  let database: TestDatabase;
  let smtp: SmtpCapture;
  let server: TestServer;
  let browser: Browser;
  let app: Server;
  let redirectUri: string;
  let config: oidc.Configuration;

  beforeAll(async () => {
    database = await createMigratedTestDatabase();
    smtp = await startSmtpCapture();
    server = await startTestServer({ env: database.env, extraEnv: { SMTP_URL: smtp.url }, clock });
    // The relying party's callback: a real HTTP server that just acknowledges.
    app = createServer((_req, res) => { res.setHeader('content-type', 'text/plain'); res.end('signed in'); });
    await new Promise<void>((resolve) => app.listen(0, '127.0.0.1', resolve));
    redirectUri = `http://127.0.0.1:${(app.address() as AddressInfo).port}/callback`;
    // Not first-party, so the consent page is part of the journey too.
    config = await discover(server, await server.latchkey.services.clients.create({ name: 'Journey App', redirectUris: [redirectUri] }));
    browser = await launchChromium();
  });
  afterAll(async () => {
    await browser?.close();
    await new Promise((resolve) => app?.close(resolve));
    await server?.close();
    await smtp?.stop();
    await database?.drop();
    clock.reset();
  });

  const newPage = async (): Promise<Page> => (await browser.newContext({ viewport: DESKTOP, deviceScaleFactor: 1 })).newPage();

  /** Opens the app's authorization request (PKCE) in `page`: the sign-in page. */
  async function authorize(page: Page): Promise<{ verifier: string; state: string }> {
    const verifier = oidc.randomPKCECodeVerifier();
    const state = oidc.randomState();
    const url = oidc.buildAuthorizationUrl(config, {
      redirect_uri: redirectUri, scope: 'openid email', state,
      code_challenge: await oidc.calculatePKCECodeChallenge(verifier), code_challenge_method: 'S256',
    });
    await page.goto(url.toString());
    await page.waitForSelector('form#login-form');
    return { verifier, state };
  }

  /** Waits for the app's callback (consenting first when asked, auditing that page) and redeems the code. */
  async function landInApp(page: Page, request: { verifier: string; state: string }) {
    await page.waitForURL((u) => u.toString().startsWith(redirectUri) || u.pathname.endsWith('/consent') || u.pathname.startsWith('/interaction/'));
    if (!page.url().startsWith(redirectUri) && await page.locator('form#consent-form').count()) {
      await auditPage(page, shots, 'consent');
      await page.click('form#consent-form button[type=submit]');
    }
    await page.waitForURL((u) => u.toString().startsWith(redirectUri));
    expect(await page.locator('body').innerText()).toBe('signed in');
    const tokens = await oidc.authorizationCodeGrant(config, new URL(page.url()), { pkceCodeVerifier: request.verifier, expectedState: request.state });
    return tokens.claims()!;
  }

  it('loads axe-core through the DevTools protocol into a page whose CSP refuses the page\'s own scripts, and axe reports a field without a label', async () => {
    const page = await newPage();
    const response = await page.goto(`${server.issuer}/interaction/no-such-interaction`);
    expect(response!.headers()['content-security-policy']).toContain("default-src 'none'");
    // The page itself cannot add a script: the CSP blocks it.
    await page.addScriptTag({ content: 'window.pageScriptRan = true;' }).catch(() => undefined);
    expect(await page.evaluate<string>('typeof window.pageScriptRan')).toBe('undefined');
    const results = await runAxe(page);
    expect(results.testEngine.name).toBe('axe-core');
    // The check can fail: an unlabelled field is a critical violation.
    await page.evaluate(`document.querySelector('main').append(Object.assign(document.createElement('input'), { type: 'text' }))`);
    expect(blockingViolations(await runAxe(page)).join('\n')).toMatch(/^label \(critical\)/m);
    await page.context().close();
  });

  it('signs up, verifies the mailed code, enrols an authenticator on the account page and signs in with it, every page passing axe', async () => {
    const page = await newPage();
    const first = await authorize(page);
    await auditPage(page, shots, 'sign-in');

    await page.click('a#signup-link');
    await page.waitForSelector('form#signup-form');
    await auditPage(page, shots, 'sign-up');
    await page.fill('form#signup-form input[name=email]', EMAIL);
    await page.fill('form#signup-form input[name=password]', PASSWORD);
    await page.click('form#signup-form button[type=submit]');
    await page.waitForSelector('form#verify-form');
    await auditPage(page, shots, 'verify');

    const code = /\b(\d{6})\b/.exec((await smtp.waitFor(EMAIL)).text)?.[1];
    expect(code).toMatch(/^\d{6}$/);
    await page.fill('form#verify-form input[name=code]', code!);
    await page.click('form#verify-form button[type=submit]');
    const signedUp = await landInApp(page, first);
    expect(signedUp).toMatchObject({ email: EMAIL, email_verified: true });

    await page.goto(`${server.issuer}/account`);
    await page.waitForSelector('form#mfa-start-form');
    await auditPage(page, shots, 'account');
    await page.click('form#mfa-start-form button[type=submit]');
    await page.waitForSelector('form#mfa-enrol-form');
    await auditPage(page, shots, 'mfa-enrol');
    const secret = (await page.locator('#mfa-secret').innerText()).replace(/\s/g, '');
    expect(secret).toMatch(/^[A-Z2-7]{32}$/);
    await page.fill('form#mfa-enrol-form input[name=code]', authenticatorCode(secret, clock));
    await page.click('form#mfa-enrol-form button[type=submit]');
    await page.waitForSelector('#mfa-recovery-codes');
    expect(await page.locator('#mfa-recovery-codes li').count()).toBe(10);
    await auditPage(page, shots, 'recovery-codes');

    await page.click('a#mfa-back');
    await page.waitForSelector('form#mfa-recovery-form');
    await auditPage(page, shots, 'account-mfa-on');
    await page.click('form#sign-out-everywhere-form button[type=submit]');
    await page.waitForSelector('text=signed out on every device');
    await auditPage(page, shots, 'signed-out');

    // The enrolment spent this time step's code; a later sign-in uses the next one, as a person would wait for.
    clock.advance(30);
    const second = await authorize(page);
    await page.fill('form#login-form input[name=username]', EMAIL);
    await page.fill('form#login-form input[name=password]', 'not the password');
    await page.click('form#login-form button[type=submit]');
    expect(await page.locator('[role=alert]').innerText()).toBe('Incorrect username or password.');
    await auditPage(page, shots, 'sign-in-error');
    await page.fill('form#login-form input[name=password]', PASSWORD);
    await page.click('form#login-form button[type=submit]');
    await page.waitForSelector('form#mfa-form');
    await auditPage(page, shots, 'mfa-challenge');
    await page.fill('form#mfa-form input[name=code]', wrongCode(secret, clock));
    await page.click('form#mfa-form button[type=submit]');
    expect(await page.locator('[role=alert]').innerText()).toContain('not valid');
    expect(await page.getAttribute('form#mfa-form input[name=code]', 'aria-describedby')).toBe('code-error');
    expect(await page.locator('#code-error').innerText()).toContain('not valid');
    await auditPage(page, shots, 'mfa-challenge-error');
    await page.fill('form#mfa-form input[name=code]', authenticatorCode(secret, clock));
    await page.click('form#mfa-form button[type=submit]');
    const claims = await landInApp(page, second);
    expect(claims.sub).toBe(signedUp.sub);
    expect(claims.amr).toEqual(expect.arrayContaining(['pwd', 'otp', 'mfa']));
    await page.context().close();
  });

  it('moves keyboard focus on the sign-in page from the username to the password, the submit button and the links, in DOM order, each with a visible outline', async () => {
    const page = await newPage();
    await authorize(page);
    // Each stop by id, else name, else text. Expressions as strings: the test program has no DOM typings.
    const label = '(el) => el.id || el.name || el.textContent.trim()';
    const name = () => page.evaluate<string>(`(${label})(document.activeElement)`);
    const domOrder = await page.evaluate<string[]>(`[...document.querySelectorAll('main a[href], main button, main input:not([type=hidden])')].filter((el) => el.checkVisibility()).map(${label})`);
    expect(domOrder.slice(0, 6)).toEqual(['username', 'password', 'show-password-link', 'Sign in', 'forgot-password-link', 'signup-link']);
    // autofocus puts the caret in the username field; Tab walks on from there.
    const visited = [await name()];
    for (let i = 1; i < domOrder.length; i += 1) {
      await page.keyboard.press('Tab');
      visited.push(await name());
      expect(await page.evaluate<string>('getComputedStyle(document.activeElement).outlineStyle'), `focus ring on ${visited.at(-1)}`).not.toBe('none');
    }
    expect(visited).toEqual(domOrder);
    await page.context().close();
  });

  it('announces a refused sign-up in an alert and ties each field\'s message to it with aria-describedby', async () => {
    const page = await newPage();
    await authorize(page);
    await page.click('a#signup-link');
    await page.fill('form#signup-form input[name=email]', 'not an address');
    await page.fill('form#signup-form input[name=password]', 'password');
    await page.click('form#signup-form button[type=submit]');
    expect(await page.locator('[role=alert]').innerText()).toBe('Check the fields marked below.');
    for (const field of ['email', 'password']) {
      const input = page.locator(`form#signup-form input[name=${field}]`);
      expect(await input.getAttribute('aria-invalid')).toBe('true');
      expect((await input.getAttribute('aria-describedby'))!.split(/\s+/)).toContain(`${field}-error`);
      expect(await page.locator(`#${field}-error`).innerText()).not.toBe('');
    }
    await auditPage(page, shots, 'sign-up-error');
    await page.context().close();
  });

  it('shows a landing page at / that passes axe', async () => {
    const page = await newPage();
    expect((await page.goto(`${server.issuer}/`))!.status()).toBe(200);
    await auditPage(page, shots, 'landing');
    await page.context().close();
  });

  it('shows an error page for an unknown interaction that passes axe', async () => {
    const page = await newPage();
    const response = await page.goto(`${server.issuer}/interaction/no-such-interaction`);
    expect(response!.status()).toBeGreaterThanOrEqual(400);
    expect(await page.locator('h1').count()).toBe(1);
    await auditPage(page, shots, 'error');
    await page.context().close();
  });
});
