import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createMigratedTestDatabase, currentBackend, type TestDatabase } from '../support/backend.js';
import { launchChromium } from '../support/browser.js';
import { PASSWORD } from '../support/fixtures.js';
import { auditPage, DESKTOP, screenshotDir } from '../support/page-audit.js';
import { startTestServer, type TestServer } from '../support/test-server.js';

/**
 * The admin console in Chromium: a member of the admin group signs in through the hosted login, finds a
 * user, disables them and finds the `user.disabled` event on the audit page; every console page passes
 * axe-core (WCAG 2.1 A/AA, both color schemes) and fits a 390 px screen; the console stays closed to a
 * user outside the admin group, shows a read-only member no change buttons, and refuses a form posted
 * without its CSRF token.
 */
describe(`admin console in Chromium (${currentBackend()})`, () => {
  const shots = screenshotDir(`admin-console-${currentBackend()}`);
  let database: TestDatabase;
  let server: TestServer;
  let browser: Browser;
  let victimId: string;
  let clientId: string;

  beforeAll(async () => {
    database = await createMigratedTestDatabase();
    server = await startTestServer({ env: database.env });
    const { services } = server.latchkey;
    for (const username of ['root', 'auditor', 'outsider']) {
      await services.users.create({ username, email: `${username}@example.com`, emailVerified: true, password: PASSWORD, profile: { name: `${username} Example` } });
    }
    await services.admins.grant('root', 'admin');
    await services.admins.grant('auditor', 'read');
    victimId = (await services.users.create({ username: 'victim', email: 'victim@example.com', emailVerified: true, password: PASSWORD })).id;
    // Enough users for a second page of results.
    for (let i = 0; i < 26; i += 1) await services.users.create({ username: `member${String(i).padStart(2, '0')}`, email: `member${i}@example.com`, password: PASSWORD });
    await services.roles.createRole({ name: 'reader', description: 'Reads documents', policy: JSON.stringify({ Version: '2012-10-17', Statement: [{ Effect: 'Allow', Action: ['s3:GetObject'], Resource: ['arn:aws:s3:::docs/*'] }] }) });
    await services.groups.create({ name: 'staff', description: 'Everyone at work', precedence: 10, role: 'reader' });
    await services.groups.addUser('staff', 'victim');
    await services.providers.add({ name: 'corp', issuer: 'https://login.example.com', clientId: 'corp-client', clientSecret: 'corp-secret', displayName: 'Corp SSO' });
    await services.attributes.declare({ name: 'department', type: 'string' });
    await services.users.update('victim', { customAttributes: { department: 'docs' } }, { actor: 'admin' });
    await services.roles.addRule({ claim: 'groups', match: 'contains', value: 'staff', role: 'reader' });
    clientId = (await services.clients.create({ name: 'Console App', redirectUris: ['https://app.example.com/callback'] })).client_id;
    browser = await launchChromium();
  });
  afterAll(async () => {
    await browser?.close();
    await server?.close();
    await database?.drop();
  });

  const url = (path: string) => `${server.issuer}${path}`;

  /** A fresh browser that opened `path`, signed in on the hosted login page, and came back. */
  async function signedIn(username: string, path = '/admin'): Promise<Page> {
    const page = await (await browser.newContext({ viewport: DESKTOP, deviceScaleFactor: 1 })).newPage();
    await page.goto(url(path));
    await page.waitForSelector('form#login-form');
    await page.fill('form#login-form input[name=username]', username);
    await page.fill('form#login-form input[name=password]', PASSWORD);
    await page.click('form#login-form button[type=submit]');
    await page.waitForURL((u) => u.pathname === path);
    return page;
  }

  it('lets an admin find a user, disable them and see user.disabled on the audit page', async () => {
    const page = await signedIn('root');
    expect(await page.title()).toBe('Dashboard · Admin · Latchkey');
    await page.click('nav a:text-is("Users")');
    await page.fill('#user-q', 'vic');
    await page.click('form#user-search button[type=submit]');
    await page.waitForURL((u) => u.searchParams.get('q') === 'vic');
    await page.click('#user-results a:text-is("victim")');
    await page.waitForURL(url(`/admin/users/${victimId}`));
    await page.click('#user-actions button:text-is("Disable")');
    await page.waitForURL(url(`/admin/users/${victimId}?notice=disabled`));
    expect(await page.locator('[role="status"]').innerText()).toContain('disabled');
    expect(await page.locator('#user-profile').innerText()).toContain('disabled');
    expect((await server.latchkey.services.users.findById(victimId))?.enabled).toBe(false);

    await page.click('nav a:text-is("Audit log")');
    await page.selectOption('#audit-type', 'user.disabled');
    await page.fill('#audit-user', 'victim');
    await page.click('form#audit-filters button[type=submit]');
    await page.waitForSelector('#audit-events');
    const rows = page.locator('#audit-events tbody tr');
    expect(await rows.count()).toBe(1);
    const row = await rows.first().innerText();
    expect(row).toContain('user.disabled');
    expect(row).toContain(`admin ${(await server.latchkey.services.users.resolve('root')).id}`);
    expect(row).toContain('latchkey-admin');
    await page.context().close();
  });

  /** Opens a console page, expects a 200, and checks it with axe at both sizes. */
  async function visit(page: Page, path: string, step: string): Promise<void> {
    const response = await page.goto(url(path));
    expect(response!.status(), path).toBe(200);
    await auditPage(page, shots, step);
  }

  // axe runs twice per page (light and dark) and each page is photographed at two sizes: minutes on a busy machine.
  it('passes axe and fits a phone on the dashboard, the users pages and the audit log', { timeout: 300_000 }, async () => {
    const page = await signedIn('root');
    // A failed sign-in for the chart's failure bars.
    await server.latchkey.services.audit.record({ type: 'sign_in.password', outcome: 'failure', details: { reason: 'wrong_password' } });
    await visit(page, '/admin', 'dashboard');
    expect(await page.locator('svg.lk-chart title').textContent()).toBe('Sign-ins per hour, last 24 hours');
    expect(await page.locator('#dash-activity-summary').innerText()).toMatch(/^\d+ successful, [1-9]\d* failed\.$/);
    await visit(page, '/admin/users', 'users');
    await page.click('#user-next');
    await page.waitForURL((u) => u.searchParams.has('after'));
    expect(await page.locator('#user-results-title').innerText()).toBe('More results');
    await auditPage(page, shots, 'users-next-page');
    await visit(page, `/admin/users/${victimId}`, 'user');
    await visit(page, `/admin/users/${victimId}/delete`, 'user-delete-confirm');
    await visit(page, '/admin/audit', 'audit');
    await page.context().close();
  });

  it('passes axe and fits a phone on the configuration pages, a refused form and a created client', { timeout: 300_000 }, async () => {
    const page = await signedIn('root');
    await visit(page, '/admin/groups', 'groups');
    await visit(page, '/admin/groups/staff', 'group');
    await visit(page, '/admin/groups/staff/delete', 'group-delete-confirm');
    await visit(page, '/admin/clients', 'clients');
    await visit(page, `/admin/clients/${clientId}`, 'client');
    await visit(page, '/admin/roles', 'roles');
    await visit(page, '/admin/roles/reader', 'role');
    await visit(page, '/admin/providers', 'providers');
    await visit(page, '/admin/providers/corp', 'provider');
    await visit(page, '/admin/providers/corp/remove', 'provider-remove-confirm');
    await visit(page, '/admin/attributes', 'attributes');
    await visit(page, '/admin/roles/rules/1/remove', 'rule-remove-confirm');
    await visit(page, '/admin/attributes/department', 'attribute');
    await visit(page, '/admin/attributes/department/remove', 'attribute-remove-confirm');
    // The preview of a change: what would change and how many values would convert, nothing changed yet.
    await page.goto(url('/admin/attributes/department'));
    await page.fill('#attribute-change-max-length', '40');
    await page.click('form#attribute-change button[name=preview]');
    await page.waitForSelector('#attribute-preview-summary');
    expect(await page.locator('#attribute-preview-summary').innerText()).toBe('1 user holds a value; every one fits. Nothing is changed until you apply it.');
    await auditPage(page, shots, 'attribute-preview');

    // A refused form comes back with its problems; a created client shows its secret once.
    await page.goto(url('/admin/groups'));
    await page.fill('#group-name', 'bad name!');
    await page.click('form#group-create button[type=submit]');
    await page.waitForSelector('#group-name[aria-invalid="true"]');
    expect(await page.title()).toBe('Error: Groups · Admin · Latchkey');
    await auditPage(page, shots, 'group-create-refused');
    await page.goto(url('/admin/clients'));
    await page.fill('#client-name', 'Created in the console');
    await page.fill('#client-redirect-uris', 'https://created.example.com/callback');
    await page.click('form#client-create button[type=submit]');
    await page.waitForSelector('#client-secret');
    const secret = await page.locator('#client-secret').innerText();
    expect(secret).toMatch(/^[A-Za-z0-9_-]{43}$/);
    await auditPage(page, shots, 'client-created');
    const created = (await server.latchkey.services.clients.list()).find((c) => c.name === 'Created in the console')!;
    await page.goto(url(`/admin/clients/${created.client_id}`));
    expect(await page.content()).not.toContain(secret);
    await page.context().close();
  });

  it('shows a 403 page to a user outside the admin group, and a read-only member no change buttons', { timeout: 180_000 }, async () => {
    const outsider = await (await browser.newContext({ viewport: DESKTOP, deviceScaleFactor: 1 })).newPage();
    await outsider.goto(url('/admin/users'));
    await outsider.fill('form#login-form input[name=username]', 'outsider');
    await outsider.fill('form#login-form input[name=password]', PASSWORD);
    const [response] = await Promise.all([
      outsider.waitForResponse((r) => new URL(r.url()).pathname === '/admin/users'),
      outsider.click('form#login-form button[type=submit]'),
    ]);
    expect(response.status()).toBe(403);
    await outsider.waitForSelector('[role="alert"]');
    expect(await outsider.title()).toBe('Error: Access refused · Latchkey');
    await auditPage(outsider, shots, 'forbidden');
    await outsider.context().close();

    const auditor = await signedIn('auditor', `/admin/users/${victimId}`);
    expect(await auditor.locator('.lk-console-member').innerText()).toContain('read-only');
    expect(await auditor.locator('form[method="post"]').count()).toBe(0);
    expect(await auditor.locator('#user-actions').count()).toBe(0);
    await auditPage(auditor, shots, 'user-read-only');
    // Posting anyway, with the browser's cookies, is refused and changes nothing.
    const refused = await auditor.context().request.post(url(`/admin/users/${victimId}/delete`), { form: { csrf: 'whatever' }, maxRedirects: 0 });
    expect(refused.status()).toBe(403);
    expect(await server.latchkey.services.users.findById(victimId)).toBeDefined();
    await auditor.context().close();
  });

  it('refuses a change posted without the CSRF token, from the admin\'s own browser', async () => {
    const page = await signedIn('root', `/admin/users/${victimId}`);
    const before = (await server.latchkey.services.users.findById(victimId))!.enabled;
    const refused = await page.context().request.post(url(`/admin/users/${victimId}/${before ? 'disable' : 'enable'}`), { form: {}, maxRedirects: 0 });
    expect(refused.status()).toBe(403);
    expect(await refused.text()).toContain('The form expired or was not sent by this site');
    expect((await server.latchkey.services.users.findById(victimId))!.enabled).toBe(before);
    await page.context().close();
  });
});
