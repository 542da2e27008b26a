-- Short one-time codes sent to a person (e-mail verification, password reset, ...). Only an HMAC of the
-- code is stored (keyed from LATCHKEY_SECRET, bound to purpose and subject), never the code itself, so a
-- copy of the database cannot be used to verify an address or reset a password.
CREATE TABLE one_time_codes (
  id            uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  -- What the code is for (`email_verification`, `password_reset`): a code for one purpose never passes another.
  purpose       text NOT NULL CHECK (purpose ~ '^[a-z][a-z0-9_]{0,62}$'),
  -- Whom it was issued to, usually a user id.
  subject       text NOT NULL CHECK (length(subject) BETWEEN 1 AND 320),
  -- base64url HMAC-SHA256 of (purpose, subject, code).
  code_hmac     text NOT NULL CHECK (length(code_hmac) BETWEEN 32 AND 128),
  -- Every verification counts, right or wrong, in the same statement that checks the code.
  attempts      integer NOT NULL DEFAULT 0 CHECK (attempts >= 0),
  max_attempts  integer NOT NULL CHECK (max_attempts BETWEEN 1 AND 100),
  expires_at    timestamptz NOT NULL,
  -- Set once, when the right code is presented in time; a consumed code never passes again.
  consumed_at   timestamptz,
  created_at    timestamptz NOT NULL DEFAULT now(),
  CHECK (attempts <= max_attempts)
);
-- At most one live code per purpose and subject: issuing a new one replaces the earlier one.
CREATE UNIQUE INDEX one_time_codes_live_key ON one_time_codes (purpose, subject) WHERE consumed_at IS NULL;
CREATE INDEX one_time_codes_expires_at_idx ON one_time_codes (expires_at);
