import { describe, expect, it } from 'vitest';
import { Writable } from 'node:stream';
import { ConfigError, loadConfig } from '../../src/config/load-config.js';
import { createLogger } from '../../src/lib/logger.js';

function problemsOf(env: Record<string, string>): string[] {
  try {
    loadConfig(env);
  } catch (error) {
    expect(error).toBeInstanceOf(ConfigError);
    return [...(error as ConfigError).problems];
  }
  return expect.unreachable('loadConfig accepted the environment');
}

describe('loadConfig: mail', () => {
  it('defaults to the development outbox, a From of the product name at no-reply on the issuer host, and no template overrides', () => {
    expect(loadConfig({}).mail).toEqual({ smtpUrl: null, from: 'Latchkey <no-reply@localhost>', templatesDir: null });
    const config = loadConfig({ LATCHKEY_ISSUER: 'https://id.example.com:8443/base', LATCHKEY_PRODUCT_NAME: 'Acme ID' });
    expect(config.mail.from).toBe('Acme ID <no-reply@id.example.com>');
    expect(Object.isFrozen(config.mail)).toBe(true);
  });

  it('quotes a product name that would otherwise split the default From into two addresses', () => {
    expect(loadConfig({ LATCHKEY_PRODUCT_NAME: 'Acme, "Inc."' }).mail.from).toBe('"Acme, \\"Inc.\\"" <no-reply@localhost>');
  });

  it('accepts smtp:// and smtps:// URLs with credentials, a MAIL_FROM with or without a name, and a templates directory', () => {
    const config = loadConfig({ SMTP_URL: 'smtps://user:p%40ss@mail.example.com:465', MAIL_FROM: 'Accounts <accounts@example.com>', LATCHKEY_MAIL_TEMPLATES: '/etc/latchkey/mail' });
    expect(config.mail).toEqual({ smtpUrl: 'smtps://user:p%40ss@mail.example.com:465', from: 'Accounts <accounts@example.com>', templatesDir: '/etc/latchkey/mail' });
    expect(loadConfig({ SMTP_URL: 'smtp://127.0.0.1:2525', MAIL_FROM: 'accounts@example.com' }).mail).toMatchObject({ smtpUrl: 'smtp://127.0.0.1:2525', from: 'accounts@example.com' });
    expect(loadConfig({ MAIL_FROM: '"Acme, Inc." <accounts@example.com>' }).mail.from).toBe('"Acme, Inc." <accounts@example.com>');
  });

  it('treats blank mail variables as unset', () => {
    expect(loadConfig({ SMTP_URL: ' ', MAIL_FROM: '', LATCHKEY_MAIL_TEMPLATES: '' }).mail).toEqual({ smtpUrl: null, from: 'Latchkey <no-reply@localhost>', templatesDir: null });
  });

  it('refuses an SMTP_URL of another scheme or without a host, naming the variable', () => {
    for (const value of ['http://mail.example.com', 'mail.example.com:25', 'smtp://', 'not a url']) {
      expect(problemsOf({ SMTP_URL: value }).join('\n')).toMatch(/^SMTP_URL: must be an smtp:\/\/ or smtps:\/\/ URL/m);
    }
  });

  it('refuses a MAIL_FROM that is not exactly one address, or that carries a line break, naming the variable', () => {
    for (const value of ['no-reply', 'a@b.example, c@d.example', 'x@y.example, Name <a@b.example>', 'Acme, Inc. <a@b.example>', 'Name <a@b.example', 'Name <a@b.example>\r\nBcc: x@y.example']) {
      expect(problemsOf({ MAIL_FROM: value }).join('\n')).toMatch(/^MAIL_FROM: must be one address/m);
    }
  });

  it('lists mail problems together with the others', () => {
    const problems = problemsOf({ SMTP_URL: 'ftp://x', MAIL_FROM: 'nobody', PORT: 'abc' });
    expect(problems.some((p) => p.startsWith('SMTP_URL:'))).toBe(true);
    expect(problems.some((p) => p.startsWith('MAIL_FROM:'))).toBe(true);
    expect(problems.some((p) => p.startsWith('PORT:'))).toBe(true);
  });

  it('never logs the SMTP_URL, which may carry the relay password, even when a whole config is logged', () => {
    let written = '';
    const sink = new Writable({ write(chunk: Buffer, _encoding, done) { written += chunk.toString(); done(); } });
    const config = loadConfig({ SMTP_URL: 'smtps://mailer:s3cret-relay-pass@mail.example.com' });
    createLogger('info', sink).info({ config, smtpUrl: config.mail.smtpUrl }, 'configuration');
    expect(written).toContain('[redacted]');
    expect(written).not.toContain('s3cret-relay-pass');
  });
});
