-- Passkeys (WebAuthn public-key credentials): a second factor after the password, and a way to sign in
-- without one. Only public keys are stored; nothing here lets anyone sign in.
CREATE TABLE webauthn_credentials (
  id             uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  user_id        uuid NOT NULL REFERENCES users (id) ON DELETE CASCADE,
  -- The authenticator's credential ID, base64url as the browser sends it; unique across users (WebAuthn
  -- §7.1 step 25: a credential ID registered to another user is refused).
  credential_id  text NOT NULL UNIQUE CHECK (length(credential_id) BETWEEN 16 AND 1400),
  -- The COSE-encoded public key.
  public_key     bytea NOT NULL CHECK (octet_length(public_key) BETWEEN 16 AND 4096),
  -- The signature counter last seen (WebAuthn §6.1.1); a value that does not grow marks a cloned
  -- authenticator. 0 for authenticators that keep no counter (most synced passkeys).
  counter        bigint NOT NULL DEFAULT 0 CHECK (counter >= 0),
  transports     text[] NOT NULL DEFAULT '{}',
  aaguid         text NOT NULL DEFAULT '00000000-0000-0000-0000-000000000000' CHECK (length(aaguid) = 36),
  name           text NOT NULL CHECK (length(name) BETWEEN 1 AND 64),
  -- singleDevice: bound to one authenticator; multiDevice: may be synced to other devices (backup eligible).
  device_type    text NOT NULL CHECK (device_type IN ('singleDevice', 'multiDevice')),
  backed_up      boolean NOT NULL DEFAULT false,
  created_at     timestamptz NOT NULL DEFAULT now(),
  last_used_at   timestamptz
);
CREATE INDEX webauthn_credentials_user_idx ON webauthn_credentials (user_id);

-- Challenges are kept server-side and spent once. The key is an HMAC (keyed from LATCHKEY_SECRET) of what the
-- challenge is bound to, the sign-in's interaction or the account page's session, so the table never holds
-- those identifiers and a challenge cannot be taken to another interaction or session. One challenge per
-- binding and purpose: asking again replaces it.
CREATE TABLE webauthn_challenges (
  key_hmac    text PRIMARY KEY CHECK (length(key_hmac) BETWEEN 32 AND 128),
  -- For registration and the second factor, the user the ceremony is for; null for a passwordless sign-in.
  user_id     uuid REFERENCES users (id) ON DELETE CASCADE,
  challenge   text NOT NULL CHECK (length(challenge) BETWEEN 16 AND 128),
  expires_at  timestamptz NOT NULL,
  created_at  timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX webauthn_challenges_expires_idx ON webauthn_challenges (expires_at);
