import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config/load-config.js';
import { MailUnavailableError } from '../../src/errors/app-error.js';
import { announceMailDelivery, createMailer } from '../../src/mail/create-mailer.js';
import { createOutboxMailer, type OutboxMessage } from '../../src/mail/dev-outbox.js';
import { createMailTemplates, defaultMailViewsDir } from '../../src/mail/templates.js';
import { SMTP_TIMEOUT_MS } from '../../src/mail/smtp-mailer.js';
import { createLogger } from '../../src/lib/logger.js';
import { createMigratedTestDatabase, currentBackend, type TestDatabase } from '../support/backend.js';
import { runCli } from '../support/processes.js';
import { startSmtpCapture, type SmtpCapture } from '../support/smtp-capture.js';
import { freePort, LogCapture, startTestServer, TEST_SECRET, type TestServer } from '../support/test-server.js';

const CODE = '123456';

/**
 * Mail as Latchkey sends it: over real SMTP to a capturing server, and, without SMTP_URL, into the
 * development outbox that `latchkey mail outbox` prints. Codes reach the message, never the log.
 */
describe(`mail (${currentBackend()})`, () => {
  let smtp: SmtpCapture;
  let smtpDatabase: TestDatabase;
  let smtpServer: TestServer;
  let outboxDatabase: TestDatabase;
  let outboxServer: TestServer;
  let cliEnv: Record<string, string>;
  const scratch = mkdtempSync(join(tmpdir(), 'lk-mail-'));

  beforeAll(async () => {
    smtp = await startSmtpCapture();
    smtpDatabase = await createMigratedTestDatabase();
    smtpServer = await startTestServer({ env: smtpDatabase.env, extraEnv: { SMTP_URL: smtp.url, LATCHKEY_PRODUCT_NAME: 'Acme ID' } });
    outboxDatabase = await createMigratedTestDatabase();
    outboxServer = await startTestServer({ env: outboxDatabase.env, extraEnv: { LATCHKEY_PRODUCT_NAME: 'Acme ID' } });
    cliEnv = { ...outboxDatabase.env, LATCHKEY_SECRET: TEST_SECRET, LOG_LEVEL: 'warn' };
  });
  afterAll(async () => {
    await smtpServer?.close();
    await outboxServer?.close();
    await smtpDatabase?.drop();
    await outboxDatabase?.drop();
    await smtp?.stop();
    rmSync(scratch, { recursive: true, force: true });
  });

  it('delivers a verification mail over SMTP with the subject, the product name, and the code in text and HTML', async () => {
    const link = `${smtpServer.issuer}/verify-email?code=${CODE}`;
    await smtpServer.latchkey.services.mailer.send({ to: 'ada@example.com', template: 'verify-email', data: { code: CODE, link } });
    const mail = await smtp.waitFor('ada@example.com');
    expect(mail.to).toEqual(['ada@example.com']);
    expect(mail.subject).toBe('Verify your e-mail address for Acme ID');
    // mailparser prints the display name quoted; both spellings name the same sender.
    expect(mail.from).toMatch(/^"?Acme ID"? <no-reply@127\.0\.0\.1>$/);
    expect(mail.envelopeFrom).toBe('no-reply@127.0.0.1');
    expect(mail.text).toContain('Acme ID');
    expect(mail.text).toContain(CODE);
    expect(mail.text).toContain(link);
    expect(mail.html).toContain('Acme ID');
    expect(mail.html).toContain(CODE);
    expect(mail.html).toContain(`href="${link}"`);
    expect(smtpServer.logs.text).toMatch(/mail handed to the SMTP relay/);
    expect(smtpServer.logs.text).not.toContain(CODE);
  });

  it('escapes hostile data in the HTML part it delivers', async () => {
    const hostile = '<script>alert(1)</script>';
    await smtpServer.latchkey.services.mailer.send({ to: 'mallory@example.com', template: 'reset-password', data: { code: hostile, link: `${smtpServer.issuer}/account?x="><img src=x onerror=alert(1)>` } });
    const mail = await smtp.waitFor('mallory@example.com');
    expect(mail.subject).toBe('Reset your Acme ID password');
    expect(mail.html).not.toContain('<script>');
    expect(mail.html).not.toContain('<img');
    expect(mail.html).toContain('&lt;script&gt;alert(1)&lt;/script&gt;');
    expect(mail.text).toContain(hostile);
  });

  it('refuses a recipient value naming more than one address, sending nothing', async () => {
    for (const to of ['a@example.com, b@example.com', 'a@example.com\r\nBcc: b@example.com', 'Eve <eve@example.com>']) {
      await expect(smtpServer.latchkey.services.mailer.send({ to, template: 'password-changed', data: {} })).rejects.toThrow(/cannot receive mail/);
    }
    await expect(smtp.waitFor('b@example.com', undefined, 300)).rejects.toThrow(/no mail/);
  });

  it('rejects the send with mail_unavailable when the SMTP relay refuses connections, well within the timeout', async () => {
    const closed = await freePort();
    const logs = new LogCapture();
    const config = loadConfig({ SMTP_URL: `smtp://127.0.0.1:${closed}`, LATCHKEY_ISSUER: smtpServer.issuer });
    const mailer = createMailer({ config, db: smtpServer.db, logger: createLogger('info', logs) });
    const started = Date.now();
    const failure = await mailer.send({ to: 'ada@example.com', template: 'verify-email', data: { code: CODE, link: `${smtpServer.issuer}/v` } }).then(() => null, (error: unknown) => error);
    expect(failure).toBeInstanceOf(MailUnavailableError);
    expect(failure).toMatchObject({ status: 503, code: 'mail_unavailable' });
    expect((failure as MailUnavailableError).detail).toMatch(/ESOCKET|ECONNECTION|ECONNREFUSED/);
    expect(Date.now() - started).toBeLessThan(SMTP_TIMEOUT_MS);
    expect(logs.text).toMatch(/mail could not be handed to the SMTP relay/);
    expect(logs.text).not.toContain(CODE);
  });

  it('gives up on a relay that accepts the connection but never greets, after the configured timeout', async () => {
    const sockets = new Set<Socket>();
    const silent = createServer((socket) => { sockets.add(socket); });
    await new Promise<void>((resolve) => silent.listen(0, '127.0.0.1', resolve));
    try {
      const { port } = silent.address() as { port: number };
      const config = loadConfig({ SMTP_URL: `smtp://127.0.0.1:${port}`, LATCHKEY_ISSUER: smtpServer.issuer });
      const mailer = createMailer({ config, db: smtpServer.db, logger: createLogger('silent'), smtpTimeoutMs: 500 });
      const started = Date.now();
      await expect(mailer.send({ to: 'ada@example.com', template: 'password-changed', data: {} })).rejects.toBeInstanceOf(MailUnavailableError);
      expect(Date.now() - started).toBeGreaterThanOrEqual(400);
      expect(Date.now() - started).toBeLessThan(5000);
    } finally {
      for (const socket of sockets) socket.destroy();
      await new Promise<void>((resolve) => silent.close(() => resolve()));
    }
  });

  it('replaces one template from an operator override directory and keeps the built-in ones for the rest', async () => {
    const overrides = mkdtempSync(join(scratch, 'templates-'));
    writeFileSync(join(overrides, 'verify-email.txt.njk'), '{% set subject %}Welcome to {{ productName }}{% endset %}Your Acme code is {{ code }}.\n');
    writeFileSync(join(overrides, 'verify-email.html.njk'), '<p class="acme">Your Acme code is <b>{{ code }}</b> &middot; {{ link }}</p>\n');
    const config = loadConfig({ SMTP_URL: smtp.url, LATCHKEY_ISSUER: smtpServer.issuer, LATCHKEY_PRODUCT_NAME: 'Acme ID', LATCHKEY_MAIL_TEMPLATES: overrides });
    const mailer = createMailer({ config, db: smtpServer.db, logger: createLogger('silent') });
    await mailer.send({ to: 'olive@example.com', template: 'verify-email', data: { code: '654321', link: `${smtpServer.issuer}/v?a=1&b=<2>` } });
    const overridden = await smtp.waitFor('olive@example.com');
    expect(overridden.subject).toBe('Welcome to Acme ID');
    expect(overridden.text.trim()).toBe('Your Acme code is 654321.');
    expect(overridden.html).toContain('<p class="acme">Your Acme code is <b>654321</b>');
    expect(overridden.html).toContain('/v?a=1&amp;b=&lt;2&gt;');
    await mailer.send({ to: 'olive@example.com', template: 'password-changed', data: {} });
    expect((await smtp.waitFor('olive@example.com')).subject).toBe('Your Acme ID password was changed');
  });

  it('without SMTP_URL writes the message to the outbox, logs where to read it without the code, and the CLI prints it', async () => {
    const link = `${outboxServer.issuer}/verify-email?code=${CODE}`;
    await outboxServer.latchkey.services.mailer.send({ to: 'Bea@Example.com', template: 'verify-email', data: { code: CODE, link } });
    await outboxServer.latchkey.services.mailer.send({ to: 'carl@example.com', template: 'password-changed', data: {} });
    const line = outboxServer.logs.lines.find((l) => l.includes('"event":"mail.outbox"') && l.includes('Bea@Example.com'));
    expect(line).toContain('was written to the development outbox');
    expect(line).toContain('Verify your e-mail address for Acme ID');
    expect(line).toContain('latchkey mail outbox');
    expect(outboxServer.logs.text).not.toContain(CODE);
    expect(outboxServer.logs.text).toMatch(/SMTP_URL is not set: mail goes to the development outbox/);

    const shown = await runCli(['mail', 'outbox', '--to', 'bea@example.com'], cliEnv);
    expect(shown.code, shown.stderr).toBe(0);
    expect(shown.stdout).toContain('To: Bea@Example.com');
    expect(shown.stdout).toContain('Subject: Verify your e-mail address for Acme ID');
    expect(shown.stdout).toContain(CODE);
    expect(shown.stdout).toContain(link);
    expect(shown.stdout).not.toContain('carl@example.com');

    const json = await runCli(['--json', 'mail', 'outbox', '--limit', '5'], cliEnv);
    expect(json.code, json.stderr).toBe(0);
    const listed = JSON.parse(json.stdout) as { delivery: string; messages: OutboxMessage[] };
    expect(listed.delivery).toBe('outbox');
    expect(listed.messages.map((m) => [m.to, m.template])).toEqual([['carl@example.com', 'password-changed'], ['Bea@Example.com', 'verify-email']]);
    expect(listed.messages[1]!.html).toContain(CODE);
    expect(listed.messages[1]!.text).toContain(CODE);

    const newest = await runCli(['--json', 'mail', 'outbox', '--limit', '1'], cliEnv);
    expect((JSON.parse(newest.stdout) as { messages: OutboxMessage[] }).messages.map((m) => m.to)).toEqual(['carl@example.com']);
    const nobody = await runCli(['mail', 'outbox', '--to', 'nobody@example.com'], cliEnv);
    expect(nobody.stdout.trim()).toBe('the outbox holds no mail to nobody@example.com');
    const badLimit = await runCli(['mail', 'outbox', '--limit', '0'], cliEnv);
    expect(badLimit.code).toBe(1);
    expect(badLimit.stderr).toMatch(/--limit must be a whole number/);
  });

  it('says that mail goes over SMTP when SMTP_URL is set, instead of printing an outbox', async () => {
    const result = await runCli(['mail', 'outbox'], { ...cliEnv, SMTP_URL: smtp.url });
    expect(result.code, result.stderr).toBe(0);
    expect(result.stdout.trim()).toBe('mail is delivered over SMTP; the outbox is empty');
    const json = await runCli(['--json', 'mail', 'outbox'], { ...cliEnv, SMTP_URL: smtp.url });
    expect(JSON.parse(json.stdout)).toEqual({ delivery: 'smtp', messages: [] });
  });

  it('keeps only the newest messages in the outbox', async () => {
    const templates = createMailTemplates({ dir: defaultMailViewsDir(), overridesDir: null, productName: 'Acme ID', issuer: outboxServer.issuer });
    const mailer = createOutboxMailer({ db: outboxServer.db, templates, logger: createLogger('silent'), keep: 3 });
    for (let i = 1; i <= 5; i += 1) await mailer.send({ to: `keep${i}@example.com`, template: 'password-changed', data: {} });
    const { rows } = await outboxServer.db.query<{ recipient: string }>('SELECT recipient FROM dev_outbox ORDER BY id');
    expect(rows.map((r) => r.recipient)).toEqual(['keep3@example.com', 'keep4@example.com', 'keep5@example.com']);
  });

  it('warns at start-up in production without SMTP that mail is not delivered', () => {
    const logs = new LogCapture();
    const production = loadConfig({ NODE_ENV: 'production', DATABASE_URL: 'postgres://db/x', LATCHKEY_SECRET: TEST_SECRET, LATCHKEY_METRICS_TOKEN: 'a-metrics-token-of-length', LATCHKEY_ISSUER: 'https://id.example.com' });
    announceMailDelivery(production, createLogger('info', logs));
    expect(logs.lines).toHaveLength(1);
    expect(JSON.parse(logs.lines[0]!)).toMatchObject({ level: 40, event: 'mail.delivery', via: 'outbox' });
    expect(logs.text).toMatch(/mail is NOT delivered/);
    const viaSmtp = new LogCapture();
    announceMailDelivery(loadConfig({ SMTP_URL: 'smtps://user:hunter2-password@mail.example.com' }), createLogger('info', viaSmtp));
    expect(viaSmtp.text).toMatch(/mail is delivered over SMTP/);
    expect(viaSmtp.text).toContain('mail.example.com');
    expect(viaSmtp.text).not.toContain('hunter2');
  });
});
