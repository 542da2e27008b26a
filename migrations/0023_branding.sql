-- The hosted UI's theme and the mail templates as the declarative configuration stores them. A stored value
-- takes precedence over LATCHKEY_THEME_CSS and LATCHKEY_MAIL_TEMPLATES; with nothing stored those apply as
-- before. Checked by Latchkey before they are written (size, remote loads, a sample rendering).
CREATE TABLE hosted_ui_theme (
  singleton   boolean PRIMARY KEY DEFAULT true CHECK (singleton),
  css         text NOT NULL CHECK (octet_length(css) <= 65536),
  updated_at  timestamptz NOT NULL DEFAULT now()
);

-- One row per overridden template (views/mail/<name>): its text part (which sets the subject) and its HTML
-- part; a part left NULL keeps the file override or the built-in one.
CREATE TABLE mail_template_overrides (
  name        text PRIMARY KEY,
  text_body   text CHECK (octet_length(text_body) <= 65536),
  html_body   text CHECK (octet_length(html_body) <= 65536),
  updated_at  timestamptz NOT NULL DEFAULT now(),
  CHECK (text_body IS NOT NULL OR html_body IS NOT NULL)
);
