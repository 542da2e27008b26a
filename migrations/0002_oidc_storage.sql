-- Storage for oidc-provider models (sessions, grants, codes, refresh tokens, interactions, ...),
-- OAuth clients and signing keys.

-- One table for every oidc-provider model; the payload list "is not exhaustive", hence jsonb.
-- Expiry is compared with the database clock, so application clock skew between replicas is irrelevant.
CREATE TABLE oidc_model (
  model        text NOT NULL,
  id           text NOT NULL,
  payload      jsonb NOT NULL,
  grant_id     text,
  user_code    text,
  uid          text,
  expires_at   timestamptz,
  consumed_at  timestamptz,
  PRIMARY KEY (model, id)
);
CREATE INDEX oidc_model_grant_id_idx ON oidc_model (grant_id) WHERE grant_id IS NOT NULL;
CREATE INDEX oidc_model_user_code_idx ON oidc_model (model, user_code) WHERE user_code IS NOT NULL;
CREATE INDEX oidc_model_uid_idx ON oidc_model (model, uid) WHERE uid IS NOT NULL;
CREATE INDEX oidc_model_expires_at_idx ON oidc_model (expires_at) WHERE expires_at IS NOT NULL;

-- OAuth clients. The secret is stored only as a SHA-256 digest (it is 256 random bits, so no salt or
-- slow hash is needed); metadata is the oidc-provider client metadata without the secret.
CREATE TABLE clients (
  client_id           text PRIMARY KEY,
  name                text NOT NULL,
  client_secret_hash  text,
  metadata            jsonb NOT NULL CHECK (jsonb_typeof(metadata) = 'object'),
  created_at          timestamptz NOT NULL DEFAULT now(),
  updated_at          timestamptz NOT NULL DEFAULT now()
);

-- Signing keys. Private keys are sealed with LATCHKEY_SECRET (AES-256-GCM). The newest key that is not
-- retired signs; a retired key stays published until `unpublish_at`, when every token it signed has expired.
CREATE TABLE signing_keys (
  kid                  text PRIMARY KEY,
  alg                  text NOT NULL,
  public_jwk           jsonb NOT NULL,
  private_jwk_sealed   text NOT NULL,
  created_at           timestamptz NOT NULL DEFAULT now(),
  retired_at           timestamptz,
  unpublish_at         timestamptz
);
CREATE INDEX signing_keys_live_idx ON signing_keys (created_at DESC) WHERE retired_at IS NULL;
