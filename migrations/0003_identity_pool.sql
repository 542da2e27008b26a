-- The identity pool: roles (session-policy templates for MinIO), pool settings, role-mapping rules and
-- an audit of every credential issued.

CREATE TABLE roles (
  name                  text PRIMARY KEY CHECK (name ~ '^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$'),
  description           text NOT NULL DEFAULT '',
  -- An S3 policy document (JSON text) whose strings may hold ${sub}, ${username} and ${email}.
  policy_template       text NOT NULL,
  max_duration_seconds  integer NOT NULL CHECK (max_duration_seconds >= 900),
  created_at            timestamptz NOT NULL DEFAULT now(),
  updated_at            timestamptz NOT NULL DEFAULT now()
);

-- A group's role must exist; deleting a role takes it off its groups.
ALTER TABLE groups ADD CONSTRAINT groups_role_name_fkey
  FOREIGN KEY (role_name) REFERENCES roles (name) ON UPDATE CASCADE ON DELETE SET NULL;

-- One row: the pool's default authenticated role and what to do when group precedence is ambiguous.
CREATE TABLE pool_settings (
  singleton                  boolean PRIMARY KEY DEFAULT true CHECK (singleton),
  default_role               text REFERENCES roles (name) ON UPDATE CASCADE ON DELETE SET NULL,
  ambiguous_role_resolution  text NOT NULL DEFAULT 'deny' CHECK (ambiguous_role_resolution IN ('deny', 'default_role')),
  updated_at                 timestamptz NOT NULL DEFAULT now()
);
INSERT INTO pool_settings (singleton) VALUES (true);

-- Ordered rules, first match wins (Cognito's rules mode; at most 25).
CREATE TABLE role_mapping_rules (
  position    integer PRIMARY KEY CHECK (position BETWEEN 1 AND 25),
  claim       text NOT NULL CHECK (length(claim) BETWEEN 1 AND 128),
  match_type  text NOT NULL CHECK (match_type IN ('equals', 'contains', 'startsWith', 'notEqual')),
  value       text NOT NULL CHECK (length(value) <= 512),
  role_name   text NOT NULL REFERENCES roles (name) ON UPDATE CASCADE ON DELETE CASCADE,
  created_at  timestamptz NOT NULL DEFAULT now()
);

-- Every issuance, so an access key seen in MinIO's logs (which name the broker user) leads to a person.
CREATE TABLE credential_issuances (
  id             bigserial PRIMARY KEY,
  user_id        uuid NOT NULL,
  client_id      text NOT NULL,
  role_name      text NOT NULL,
  access_key_id  text NOT NULL,
  channel        text NOT NULL CHECK (channel IN ('credentials', 'aws-sts')),
  issued_at      timestamptz NOT NULL DEFAULT now(),
  expires_at     timestamptz NOT NULL
);
CREATE INDEX credential_issuances_access_key_idx ON credential_issuances (access_key_id);
CREATE INDEX credential_issuances_user_idx ON credential_issuances (user_id, issued_at DESC);
