-- Users, profiles, declared custom attributes, groups and membership.
-- Usernames and emails are stored as entered and, for lookups and uniqueness, NFKC-normalised and
-- lower-cased by the application (Postgres has no Unicode normalisation it can be trusted to share with us
-- across versions, so the normalised form is computed once, in code, and stored).

CREATE TABLE users (
  id                     uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  username               text,
  username_normalized    text,
  email                  text,
  email_normalized       text,
  email_verified         boolean NOT NULL DEFAULT false,
  phone_number           text,
  phone_number_verified  boolean NOT NULL DEFAULT false,
  status                 text NOT NULL DEFAULT 'unconfirmed'
                         CHECK (status IN ('unconfirmed', 'confirmed', 'reset_required')),
  enabled                boolean NOT NULL DEFAULT true,
  password_hash          text,
  profile                jsonb NOT NULL DEFAULT '{}'::jsonb CHECK (jsonb_typeof(profile) = 'object'),
  custom_attributes      jsonb NOT NULL DEFAULT '{}'::jsonb CHECK (jsonb_typeof(custom_attributes) = 'object'),
  created_at             timestamptz NOT NULL DEFAULT now(),
  updated_at             timestamptz NOT NULL DEFAULT now(),
  last_login_at          timestamptz,
  CHECK (username IS NOT NULL OR email IS NOT NULL)
);
CREATE UNIQUE INDEX users_username_normalized_key ON users (username_normalized) WHERE username_normalized IS NOT NULL;
CREATE UNIQUE INDEX users_email_normalized_key ON users (email_normalized) WHERE email_normalized IS NOT NULL;
CREATE INDEX users_created_at_idx ON users (created_at, id);

-- Custom attributes must be declared before use (as in Cognito), with a type and constraints.
CREATE TABLE attribute_definitions (
  name        text PRIMARY KEY CHECK (name ~ '^[a-z][a-z0-9_]{0,31}$'),
  type        text NOT NULL CHECK (type IN ('string', 'number', 'boolean')),
  required    boolean NOT NULL DEFAULT false,
  mutable     boolean NOT NULL DEFAULT true,
  min_length  integer,
  max_length  integer,
  min_value   double precision,
  max_value   double precision,
  created_at  timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE groups (
  id               uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  name             text NOT NULL UNIQUE CHECK (name ~ '^[A-Za-z0-9][A-Za-z0-9_.-]{0,127}$'),
  description      text NOT NULL DEFAULT '',
  -- Lower wins, as in Cognito: the group with the lowest precedence picks the preferred role.
  precedence       integer NOT NULL DEFAULT 0 CHECK (precedence >= 0),
  role_name        text,
  created_at       timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE group_members (
  group_id    uuid NOT NULL REFERENCES groups (id) ON DELETE CASCADE,
  user_id     uuid NOT NULL REFERENCES users (id) ON DELETE CASCADE,
  created_at  timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (group_id, user_id)
);
CREATE INDEX group_members_user_id_idx ON group_members (user_id);
