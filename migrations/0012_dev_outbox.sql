-- The development outbox: with no SMTP_URL, mail Latchkey would have sent is kept here, so sign-up,
-- verification and password reset work on a laptop; `latchkey mail outbox` prints it. Only the newest
-- messages are kept (the mailer prunes on every write). The bodies hold codes as sent, which is why this
-- table is for development: with SMTP configured nothing is written here.
CREATE TABLE dev_outbox (
  id          bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  recipient   text NOT NULL CHECK (length(recipient) BETWEEN 3 AND 320),
  -- Which template rendered it (`verify-email`, `reset-password`, ...).
  template    text NOT NULL CHECK (template ~ '^[a-z][a-z0-9-]{0,63}$'),
  subject     text NOT NULL CHECK (length(subject) <= 998),
  text_body   text NOT NULL,
  html_body   text NOT NULL,
  created_at  timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX dev_outbox_recipient_idx ON dev_outbox (lower(recipient), id);
