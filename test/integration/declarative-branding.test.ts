import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CognitoIdentityProviderClient, ForgotPasswordCommand } from '@aws-sdk/client-cognito-identity-provider';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Database } from '../../src/db/database.js';
import { applyConfig } from '../../src/declarative/apply-config.js';
import { ConfigFileError } from '../../src/declarative/config-file-error.js';
import { exportConfig, formatConfig } from '../../src/declarative/export-config.js';
import type { Plan } from '../../src/declarative/plan.js';
import { parseConfigText } from '../../src/declarative/read-config-file.js';
import { resolveConfig } from '../../src/declarative/resolve-config.js';
import { createLogger } from '../../src/lib/logger.js';
import { createServices } from '../../src/services.js';
import { createTestClock } from '../support/clock.js';
import { PASSWORD } from '../support/fixtures.js';
import { startSmtpCapture, type SmtpCapture } from '../support/smtp-capture.js';
import { createMigratedTestDatabase, currentBackend, type TestDatabase } from '../support/backend.js';
import { startTestServer, TEST_SECRET, type TestServer } from '../support/test-server.js';

const THEME = ':root { --lk-accent: #0a7d55; --lk-radius: 3px; }\n.lk-card { box-shadow: none; }\n';
const RESET_TEXT = '{% set subject %}Reset your {{ productName }} passphrase{% endset %}Acme reset code: {{ code }}\n{{ link }}\n';
const RESET_HTML = '{% extends "layout.html.njk" %}{% block content %}<p class="acme-reset">Acme reset code <b>{{ code }}</b></p>{% set action = "Choose a new passphrase" %}{% include "code-block.html.njk" %}{% endblock %}';

/**
 * The declarative `theme` and `emailTemplates`: stored in Postgres, read by the hosted pages and the mailer
 * through the branding cache (a test clock moves past its seconds), planned, applied and exported like the
 * other sections.
 */
describe(`declarative configuration: theme and mail templates (${currentBackend()})`, () => {
  const clock = createTestClock();
  const dir = mkdtempSync(join(tmpdir(), 'lk-branding-'));
  let database: TestDatabase;
  let smtp: SmtpCapture;
  let server: TestServer;

  beforeAll(async () => {
    database = await createMigratedTestDatabase();
    smtp = await startSmtpCapture();
    server = await startTestServer({ env: database.env, extraEnv: { SMTP_URL: smtp.url, LATCHKEY_PRODUCT_NAME: 'Acme ID' }, clock });
  });
  afterAll(async () => {
    await server?.close();
    await smtp?.stop();
    await database?.drop();
    rmSync(dir, { recursive: true, force: true });
  });

  const servicesFor = (db: Database) => createServices({ config: server.config, db, secrets: [TEST_SECRET], logger: createLogger('silent'), sts: null });
  const apply = (text: string, options: { prune?: boolean; file?: string } = {}): Promise<Plan> => {
    const file = options.file ?? join(dir, 'latchkey.yaml');
    return applyConfig({ db: server.db, servicesFor }, resolveConfig(parseConfigText(text, file), file, { env: {} }), { file, digest: 'b'.repeat(64), prune: options.prune ?? false });
  };
  const actions = (plan: Plan) => Object.fromEntries(plan.entries.map((e) => [e.key ? `${e.section}.${e.key}` : e.section, e.fields.length ? `${e.action}: ${e.fields.join(', ')}` : e.action]));
  const stylesheet = () => fetch(`${server.issuer}/static/latchkey.css`);
  const eventTypes = async () => (await server.latchkey.services.audit.query({ limit: 100 })).events.map((e) => e.type);

  it('applies a theme: the hosted stylesheet carries it once the cache\'s seconds have passed; applying it again is unchanged', async () => {
    const before = await stylesheet();
    expect(before.headers.get('cache-control')).toBe('public, no-cache');
    const builtIn = await before.text();
    expect(builtIn).not.toContain('#0a7d55');

    expect(actions(await apply(JSON.stringify({ theme: { css: THEME } })))).toEqual({ theme: 'change: css' });
    clock.advance(6);
    const themed = await stylesheet();
    expect(await themed.text()).toContain(`/* theme */\n${THEME}`);
    const etag = themed.headers.get('etag')!;
    expect(etag).not.toBe(before.headers.get('etag'));
    expect((await fetch(`${server.issuer}/static/latchkey.css`, { headers: { 'If-None-Match': etag, 'Cache-Control': 'max-age=0' } })).status).toBe(304);

    const events = (await eventTypes()).length;
    expect(actions(await apply(JSON.stringify({ theme: { css: THEME } })))).toEqual({ theme: 'unchanged' });
    expect((await eventTypes()).length).toBe(events);
    expect(await eventTypes()).toContain('theme.updated');
  });

  it('applies a mail template from a file and inline: the next reset mail uses it, and the other templates stay built-in', async () => {
    writeFileSync(join(dir, 'reset.txt.njk'), RESET_TEXT);
    const file = `emailTemplates:\n  reset-password:\n    text: { file: reset.txt.njk }\n    html: ${JSON.stringify(RESET_HTML)}\n`;
    expect(actions(await apply(file))).toEqual({ 'emailTemplates.reset-password': 'add' });
    expect(actions(await apply(file))).toEqual({ 'emailTemplates.reset-password': 'unchanged' });
    expect(await eventTypes()).toContain('mail_template.updated');
    clock.advance(6);

    const { clients, users } = server.latchkey.services;
    await users.create({ email: 'rita@example.com', username: 'rita', password: PASSWORD, emailVerified: true });
    const ClientId = (await clients.create({ name: 'App', redirectUris: ['http://localhost:8080/cb'], public: true, firstParty: true })).client_id;
    const cognito = new CognitoIdentityProviderClient({ endpoint: server.issuer, region: 'us-east-1', credentials: { accessKeyId: 'unused', secretAccessKey: 'unused' }, maxAttempts: 1 });
    try {
      await cognito.send(new ForgotPasswordCommand({ ClientId, Username: 'rita' }));
    } finally {
      cognito.destroy();
    }
    const mail = await smtp.waitFor('rita@example.com');
    expect(mail.subject).toBe('Reset your Acme ID passphrase');
    expect(mail.text).toMatch(/^Acme reset code: \d{6}\n/);
    expect(mail.html).toMatch(/<p class="acme-reset">Acme reset code <b>\d{6}<\/b><\/p>/);
    expect(mail.html).toContain('background:#0a7d55'); // the stored theme's accent colour, on the shared button

    await server.latchkey.services.mailer.send({ to: 'rita@example.com', template: 'password-changed', data: {} });
    expect((await smtp.waitFor('rita@example.com')).subject).toBe('Your Acme ID password was changed');
  });

  it('refuses a template that does not render, an unknown template and a theme loading another origin, each at its place', () => {
    const file = join(dir, 'broken.yaml');
    const problemsOf = (document: unknown) => {
      try {
        resolveConfig(parseConfigText(JSON.stringify(document), file), file, { env: {} });
      } catch (error) {
        if (error instanceof ConfigFileError) return error.problems;
        throw error;
      }
      throw new Error('the file was not refused');
    };
    expect(problemsOf({ emailTemplates: { 'welcome-mail': { text: 'hello' } } }))
      .toEqual([{ path: 'emailTemplates.welcome-mail', message: 'a mail template: verify-email, reset-password, password-changed' }]);
    const problems = problemsOf({
      theme: { css: '@import "https://fonts.example.com/x.css";\n.x { background: url(https://cdn.example.com/a.png) }' },
      emailTemplates: { 'verify-email': { html: '{% if code %}<b>{{ code }}</b>' } },
    });
    expect(problems.map((p) => p.path)).toEqual(['theme.css', 'theme.css', 'emailTemplates.verify-email.html']);
    expect(problems[0]!.message).toMatch(/must not @import/);
    expect(problems[1]!.message).toMatch(/url\(https:\/\/cdn\.example\.com\/a\.png\) is not loaded/);
    expect(problems[2]!.message).toMatch(/^does not render: /);
  });

  it('exports the theme and templates inline, and the export applies unchanged; pruning drops a template the file leaves out', async () => {
    const { document } = await exportConfig(server.latchkey.services);
    expect(document.theme).toEqual({ css: THEME });
    expect(document.emailTemplates).toEqual({ 'reset-password': { text: RESET_TEXT, html: RESET_HTML } });
    const exported = formatConfig(document, 'yaml');
    const again = await apply(exported, { prune: true, file: join(dir, 'export.yaml') });
    expect(again.counts).toMatchObject({ add: 0, change: 0, remove: 0 });
    expect(actions(again)).toMatchObject({ theme: 'unchanged', 'emailTemplates.reset-password': 'unchanged' });

    const pruned = await apply('theme: {}\nemailTemplates: {}\n', { prune: true });
    expect(actions(pruned)).toEqual({ theme: 'change: css', 'emailTemplates.reset-password': 'remove' });
    expect(await server.latchkey.services.branding.stored()).toEqual({ themeCss: null, mailTemplates: {} });
    expect(await eventTypes()).toContain('mail_template.removed');
  });
});
