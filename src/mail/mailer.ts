/**
 * Outgoing mail, as the rest of Latchkey sees it: a message names a template under `views/mail/` and the
 * values it needs; the mailer renders it (HTML and text) and delivers it over SMTP (`SMTP_URL`), or, with
 * no SMTP configured, to the development outbox.
 */

/** The templates Latchkey sends. Each exists as `views/mail/<name>.html.njk` and `<name>.txt.njk`. */
export type MailTemplate = 'verify-email' | 'reset-password' | 'password-changed';

/** Every template, for checks that walk them all (start-up validation of operator overrides). */
export const MAIL_TEMPLATES: readonly MailTemplate[] = ['verify-email', 'reset-password', 'password-changed'];

/**
 * The values each template needs in `data`; sending without one is refused. `link` must be an absolute URL
 * under the issuer (it carries the code, so the reader can click instead of typing). Templates also get
 * `productName` and `issuer`, and may use optional values when given (`expiresIn`, e.g. "15 minutes").
 */
export const REQUIRED_MAIL_DATA: Readonly<Record<MailTemplate, readonly string[]>> = {
  'verify-email': ['code', 'link'],
  'reset-password': ['code', 'link'],
  'password-changed': [],
};

export interface MailMessage {
  /** One recipient address. */
  readonly to: string;
  readonly template: MailTemplate;
  /** Values for the template (all strings; escaped by the template engine in HTML). */
  readonly data: Readonly<Record<string, string>>;
}

export interface Mailer {
  /** Renders and delivers the message; rejects when it could not be handed over (SMTP down, bad address). */
  send(message: MailMessage): Promise<void>;
}
