import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { ConfigError } from '../../src/config/load-config.js';
import { MAIL_TEMPLATES } from '../../src/mail/mailer.js';
import { createMailTemplates, defaultMailViewsDir, themeAccent } from '../../src/mail/templates.js';

const ISSUER = 'https://id.example.com';
const base = { dir: defaultMailViewsDir(), overridesDir: null, productName: 'Acme ID', issuer: ISSUER };
const scratch = mkdtempSync(join(tmpdir(), 'lk-mail-'));
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

describe('mail templates', () => {
  it('renders every template with a one-line subject naming the product, and text and HTML bodies', () => {
    const templates = createMailTemplates(base);
    for (const template of MAIL_TEMPLATES) {
      const mail = templates.render(template, { code: '482913', link: `${ISSUER}/verify?code=482913` });
      expect(mail.subject).toContain('Acme ID');
      expect(mail.subject).not.toMatch(/[\r\n]/);
      expect(mail.subject).not.toContain('482913');
      expect(mail.text).toContain('Acme ID');
      expect(mail.html).toMatch(/^<!doctype html>/);
      expect(mail.html).toContain(`<title>${mail.subject}</title>`);
    }
  });

  it('puts the code and the link in both parts of a verification mail, the link as a button', () => {
    const mail = createMailTemplates(base).render('verify-email', { code: '482913', link: `${ISSUER}/verify?code=482913&u=1` });
    expect(mail.subject).toBe('Verify your e-mail address for Acme ID');
    expect(mail.text).toContain('482913');
    expect(mail.text).toContain(`${ISSUER}/verify?code=482913&u=1`);
    expect(mail.html).toContain('482913');
    expect(mail.html).toContain(`href="${ISSUER}/verify?code=482913&amp;u=1"`);
    expect(mail.html).toContain('>Verify e-mail address</a>');
  });

  it('escapes hostile values in HTML and leaves them readable in text', () => {
    const mail = createMailTemplates(base).render('reset-password', { code: '<script>alert(1)</script>', link: `${ISSUER}/reset?x="><img src=x>` });
    expect(mail.html).not.toContain('<script>');
    expect(mail.html).not.toContain('<img');
    expect(mail.html).toContain('&lt;script&gt;alert(1)&lt;/script&gt;');
    expect(mail.html).toContain('&quot;&gt;&lt;img src=x&gt;');
    expect(mail.text).toContain('<script>alert(1)</script>');
  });

  it('refuses a message missing a value its template needs, or a link outside the issuer', () => {
    const templates = createMailTemplates(base);
    expect(() => templates.render('verify-email', { link: `${ISSUER}/v` })).toThrow(/needs data\.code/);
    expect(() => templates.render('reset-password', { code: '1', link: 'https://evil.example/reset' })).toThrow(/under the issuer/);
    expect(() => templates.render('reset-password', { code: '1', link: `${ISSUER}.evil.example/reset` })).toThrow(/under the issuer/);
    expect(templates.render('password-changed', {}).text).toContain('every session was ended');
  });

  it('tells what to do when the password change was not the reader, with a reset link when given', () => {
    const templates = createMailTemplates(base);
    const plain = templates.render('password-changed', {});
    expect(plain.subject).toBe('Your Acme ID password was changed');
    expect(plain.text).toContain('If you did not change it');
    expect(plain.text).toContain(ISSUER);
    const linked = templates.render('password-changed', { link: `${ISSUER}/forgot` });
    expect(linked.html).toContain(`href="${ISSUER}/forgot"`);
  });

  it('uses an override directory for the templates it holds and the built-in ones for the rest', () => {
    const dir = mkdtempSync(join(scratch, 'override-'));
    writeFileSync(join(dir, 'verify-email.txt.njk'), '{% set subject %}Welcome to {{ productName }}{% endset %}Your code: {{ code }}\n');
    const templates = createMailTemplates({ ...base, overridesDir: dir });
    const mail = templates.render('verify-email', { code: '777111', link: `${ISSUER}/v` });
    expect(mail).toMatchObject({ subject: 'Welcome to Acme ID', text: 'Your code: 777111\n' });
    expect(mail.html).toContain('>Verify e-mail address</a>');
    expect(templates.render('reset-password', { code: '1', link: `${ISSUER}/r` }).subject).toBe('Reset your Acme ID password');
  });

  it('refuses at creation an override without a subject, with a syntax error, or a directory that does not exist', () => {
    const noSubject = mkdtempSync(join(scratch, 'nosubject-'));
    writeFileSync(join(noSubject, 'reset-password.txt.njk'), 'Code: {{ code }}\n');
    expect(() => createMailTemplates({ ...base, overridesDir: noSubject })).toThrow(ConfigError);
    expect(() => createMailTemplates({ ...base, overridesDir: noSubject })).toThrow(/reset-password.*sets no subject/);
    const broken = mkdtempSync(join(scratch, 'broken-'));
    writeFileSync(join(broken, 'verify-email.html.njk'), '{% if %}');
    expect(() => createMailTemplates({ ...base, overridesDir: broken })).toThrow(/LATCHKEY_MAIL_TEMPLATES.*verify-email/);
    expect(() => createMailTemplates({ ...base, overridesDir: join(scratch, 'missing') })).toThrow(/LATCHKEY_MAIL_TEMPLATES: .* is not a readable directory/);
  });

  it('takes the accent colour from a theme stylesheet only when it is a plain hex colour', () => {
    const theme = join(scratch, 'theme.css');
    writeFileSync(theme, ':root { --lk-accent: #0a7f4f; --lk-accent-text: #fff; }');
    expect(themeAccent(theme)).toEqual({ accent: '#0a7f4f', accentText: '#fff' });
    const mail = createMailTemplates({ ...base, ...themeAccent(theme) }).render('verify-email', { code: '1', link: `${ISSUER}/v` });
    expect(mail.html).toContain('background:#0a7f4f;color:#fff;');
    writeFileSync(theme, ':root { --lk-accent: red;background:url(x) }');
    expect(themeAccent(theme)).toEqual({});
    expect(themeAccent(join(scratch, 'absent.css'))).toEqual({});
    expect(themeAccent(null)).toEqual({});
  });
});
