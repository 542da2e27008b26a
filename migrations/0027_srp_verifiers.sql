-- SRP (the Cognito API's USER_SRP_AUTH): a verifier per user with a password, derived whenever Latchkey sees
-- the password in clear (set, changed, reset, or a successful sign-in that finds none).
-- The verifier is one SHA-256 of the password away from a dictionary attack (v = g^H(salt, H(pool, sub,
-- password))), far faster than the argon2id hash beside it, so it is stored sealed with the secret box
-- (AES-256-GCM keyed from LATCHKEY_SECRET, bound to the user): a copy of this table alone gives nothing.
CREATE TABLE srp_verifiers (
  id               uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  user_id          uuid NOT NULL UNIQUE REFERENCES users (id) ON DELETE CASCADE,
  -- Hex, padHex-canonical, as sent in the challenge's SALT (not secret).
  salt             text NOT NULL CHECK (salt ~ '^[0-9a-f]{2,66}$'),
  verifier_sealed  text NOT NULL CHECK (length(verifier_sealed) BETWEEN 32 AND 2048),
  -- The pool name it was derived for (the user-pool ID after `_`): a verifier for another name is derived again.
  pool_name        text NOT NULL CHECK (length(pool_name) BETWEEN 1 AND 64),
  updated_at       timestamptz NOT NULL DEFAULT now()
);

-- A verifier checks the password it was derived from: whatever changes or removes the password hash (a
-- change, an import, a federated-only user), the verifier goes with it in the same statement, and the
-- directory derives the new one in the same transaction when it has the new password.
CREATE FUNCTION latchkey_forget_srp_verifier() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  DELETE FROM srp_verifiers WHERE user_id = NEW.id;
  RETURN NULL;
END;
$$;

CREATE TRIGGER users_password_forgets_srp_verifier
  AFTER UPDATE OF password_hash ON users
  FOR EACH ROW WHEN (OLD.password_hash IS DISTINCT FROM NEW.password_hash)
  EXECUTE FUNCTION latchkey_forget_srp_verifier();

-- PASSWORD_VERIFIER challenges, answered once within 3 minutes. The key is an HMAC (keyed from
-- LATCHKEY_SECRET) of the SECRET_BLOCK the client echoes, so the table never holds it. The server's secret
-- b and the verifier the challenge was made with are sealed. A challenge goes with its verifier: a password
-- changed meanwhile cancels it.
CREATE TABLE srp_challenges (
  key_hmac        text PRIMARY KEY CHECK (length(key_hmac) BETWEEN 32 AND 128),
  -- Null for the stand-in challenge of a name with no account or no verifier (it can never be answered).
  user_id         uuid REFERENCES users (id) ON DELETE CASCADE,
  verifier_id     uuid REFERENCES srp_verifiers (id) ON DELETE CASCADE,
  client_id       text NOT NULL CHECK (length(client_id) BETWEEN 1 AND 256),
  user_id_for_srp text NOT NULL CHECK (length(user_id_for_srp) BETWEEN 1 AND 128),
  pool_name       text NOT NULL CHECK (length(pool_name) BETWEEN 1 AND 64),
  a_public        text NOT NULL CHECK (length(a_public) BETWEEN 1 AND 800),
  b_public        text NOT NULL CHECK (length(b_public) BETWEEN 1 AND 800),
  secret_sealed   text NOT NULL CHECK (length(secret_sealed) BETWEEN 32 AND 4096),
  expires_at      timestamptz NOT NULL,
  created_at      timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX srp_challenges_expires_idx ON srp_challenges (expires_at);
CREATE INDEX srp_challenges_user_idx ON srp_challenges (user_id);
CREATE INDEX srp_challenges_verifier_idx ON srp_challenges (verifier_id);
