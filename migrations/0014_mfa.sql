-- Multi-factor authentication: TOTP authenticators (RFC 6238) and single-use recovery codes, the pool's MFA
-- mode, and groups whose members must use a second factor.

-- One authenticator per user. The shared secret is sealed (AES-256-GCM keyed from LATCHKEY_SECRET, bound to
-- the user), because a TOTP secret is a bearer secret: whoever reads it computes valid codes.
CREATE TABLE mfa_totp (
  user_id         uuid PRIMARY KEY REFERENCES users (id) ON DELETE CASCADE,
  secret_sealed   text NOT NULL CHECK (length(secret_sealed) BETWEEN 16 AND 512),
  -- NULL while enrolment waits for the first code: an unconfirmed authenticator is never asked for.
  confirmed_at    timestamptz,
  -- The highest time step a code was accepted for; a code of that step or an earlier one is a replay.
  last_used_step  bigint CHECK (last_used_step >= 0),
  created_at      timestamptz NOT NULL DEFAULT now()
);

-- Recovery codes are stored as HMACs (keyed from LATCHKEY_SECRET), never in plaintext; each is spent once.
CREATE TABLE mfa_recovery_codes (
  user_id     uuid NOT NULL REFERENCES users (id) ON DELETE CASCADE,
  code_hmac   text NOT NULL CHECK (length(code_hmac) BETWEEN 32 AND 128),
  used_at     timestamptz,
  created_at  timestamptz NOT NULL DEFAULT now(),
  UNIQUE (user_id, code_hmac)
);

-- off: no second factor is asked for or offered; optional: users may enrol (groups may require it);
-- required: every user with a password must use one, enrolling at their next sign-in.
ALTER TABLE user_pool_settings ADD COLUMN mfa_mode text NOT NULL DEFAULT 'optional' CHECK (mfa_mode IN ('off', 'optional', 'required'));

-- Members of such a group must use a second factor (when the pool's mode is not off).
ALTER TABLE groups ADD COLUMN mfa_required boolean NOT NULL DEFAULT false;
