-- Federation: signing in through upstream OpenID Connect providers. Latchkey is the relying party towards
-- the upstream and the provider towards the app, so apps see one issuer and Latchkey's own `sub`.

-- Generic upstream providers managed with `latchkey provider add|list|remove`.
CREATE TABLE upstream_providers (
  -- Appears in URLs (/federation/callback/<name>) and in element ids (a#federation-<name>).
  name                      text PRIMARY KEY CHECK (name ~ '^[a-z][a-z0-9-]{0,31}$'),
  display_name              text NOT NULL CHECK (length(display_name) BETWEEN 1 AND 100),
  -- The issuer identifier; its discovery document is <issuer>/.well-known/openid-configuration.
  issuer                    text NOT NULL CHECK (length(issuer) BETWEEN 1 AND 2048),
  client_id                 text NOT NULL CHECK (length(client_id) BETWEEN 1 AND 512),
  -- Sealed with the secret box (purpose bound to the provider's name); null for a public client.
  client_secret_sealed      text,
  scopes                    text NOT NULL DEFAULT 'openid email profile' CHECK (length(scopes) BETWEEN 6 AND 1024),
  claim_mapping             jsonb NOT NULL DEFAULT '{}'::jsonb,
  -- Whether this upstream's `email_verified` may link an identity to an existing local account by e-mail.
  trusts_email_verification boolean NOT NULL DEFAULT false,
  created_at                timestamptz NOT NULL DEFAULT now(),
  updated_at                timestamptz NOT NULL DEFAULT now()
);

-- An upstream identity (issuer, subject) and the local user it signs in as. A user may have several.
CREATE TABLE federated_identities (
  id              uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  user_id         uuid NOT NULL REFERENCES users (id) ON DELETE CASCADE,
  -- The provider's name; not a foreign key: removing a provider keeps its identities and their users.
  provider        text NOT NULL,
  issuer          text NOT NULL,
  subject         text NOT NULL CHECK (length(subject) BETWEEN 1 AND 255),
  email           text,
  -- The upstream claims used at the first sign-in (a first-login-only name survives here).
  claims          jsonb NOT NULL DEFAULT '{}'::jsonb,
  created_at      timestamptz NOT NULL DEFAULT now(),
  last_sign_in_at timestamptz NOT NULL DEFAULT now(),
  UNIQUE (issuer, subject),
  -- One identity per provider and user: two upstream accounts racing to link the same local account by
  -- e-mail end with exactly one link.
  UNIQUE (user_id, provider)
);

-- A federation in progress, one per interaction: PKCE verifier and nonce (sealed), the HMAC of the random
-- `state` sent upstream, and, once the upstream answered, its callback parameters (sealed). Consumed once.
CREATE TABLE federation_states (
  interaction_uid  text PRIMARY KEY CHECK (length(interaction_uid) BETWEEN 1 AND 128),
  state_hmac       text NOT NULL UNIQUE CHECK (length(state_hmac) BETWEEN 32 AND 128),
  provider         text NOT NULL,
  verifier_sealed  text NOT NULL,
  nonce_sealed     text NOT NULL,
  callback_sealed  text,
  expires_at       timestamptz NOT NULL,
  created_at       timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX federation_states_expires_at_idx ON federation_states (expires_at);
