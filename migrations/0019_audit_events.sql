-- The audit log: security events, each written in the transaction of the change it records, so a change
-- that rolls back leaves no event and one that commits always leaves one. Rows name users and clients by id
-- without foreign keys: an event outlives the user or client it is about (deleting a user is itself audited).
CREATE TABLE audit_events (
  id           bigserial PRIMARY KEY,
  occurred_at  timestamptz NOT NULL DEFAULT clock_timestamp(),
  type         text NOT NULL CHECK (type ~ '^[a-z][a-z0-9_]*(\.[a-z][a-z0-9_]*)+$' AND length(type) <= 64),
  outcome      text NOT NULL DEFAULT 'success' CHECK (outcome IN ('success', 'failure')),
  -- Who acted: a user (themselves, or an administrator of the admin group), a client (client credentials),
  -- the command line, Latchkey itself (maintenance, federation rules), or nobody known (a failed sign-in).
  actor_type   text NOT NULL CHECK (actor_type IN ('user', 'admin', 'client', 'cli', 'system', 'anonymous')),
  actor_id     text CHECK (actor_id IS NULL OR length(actor_id) <= 200),
  -- The user the event is about, when there is one.
  subject_id   uuid,
  client_id    text CHECK (client_id IS NULL OR length(client_id) <= 200),
  address      text CHECK (address IS NULL OR length(address) <= 64),
  -- Whitelisted, non-secret facts (a group's name, a failure's reason); never a password, code or token.
  details      jsonb NOT NULL DEFAULT '{}'::jsonb CHECK (jsonb_typeof(details) = 'object')
);
CREATE INDEX audit_events_occurred_at_idx ON audit_events (occurred_at, id);
CREATE INDEX audit_events_subject_idx ON audit_events (subject_id, id) WHERE subject_id IS NOT NULL;
CREATE INDEX audit_events_type_idx ON audit_events (type, id);
