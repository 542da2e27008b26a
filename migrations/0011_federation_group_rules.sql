-- Group mapping: an upstream claim value (an Entra group id in `groups`, a Google Workspace `hd`) puts a
-- federated user in a local group at sign-in, so role resolution treats them as it treats local users.

CREATE TABLE federation_group_rules (
  id          uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  -- A provider's name; not a foreign key: Google, Microsoft and Apple are configured by the environment
  -- and have no upstream_providers row, and removing a stored provider keeps its rules for a re-add.
  provider    text NOT NULL CHECK (provider ~ '^[a-z][a-z0-9-]{0,31}$'),
  -- Claim names as upstreams write them: `groups`, `hd`, `roles`, `custom:dept`, `https://example.com/groups`.
  claim       text NOT NULL CHECK (claim ~ '^[A-Za-z_][A-Za-z0-9_:./-]{0,127}$'),
  value       text NOT NULL CHECK (length(value) BETWEEN 1 AND 256),
  group_id    uuid NOT NULL REFERENCES groups (id) ON DELETE CASCADE,
  created_at  timestamptz NOT NULL DEFAULT now(),
  UNIQUE (provider, claim, value, group_id)
);
CREATE INDEX federation_group_rules_group_id_idx ON federation_group_rules (group_id);

-- Which provider's rules granted a membership; null for one an administrator granted. A later sign-in through
-- that provider withdraws what its rules no longer grant, and never touches a hand-granted membership.
ALTER TABLE group_members ADD COLUMN granted_by_provider text;
CREATE INDEX group_members_granted_by_provider_idx ON group_members (user_id, granted_by_provider) WHERE granted_by_provider IS NOT NULL;
