-- Pending revocations of a user's storage credentials (user disabled, deleted, signed out everywhere,
-- logged out). A job is written with the state change, so a revocation that cannot happen at once (the
-- object store is down, or the command ran without it configured) is carried out later by any server
-- replica that has the object store, retried with backoff, instead of being skipped.
CREATE TABLE revocation_jobs (
  id               bigserial PRIMARY KEY,
  -- No foreign key: a deleted user's credentials must still be revoked after the row is gone.
  user_id          uuid NOT NULL,
  -- MinIO's TokenRevokeType tag the credentials carry (u:<user id>).
  revoke_type      text NOT NULL CHECK (length(revoke_type) BETWEEN 1 AND 128),
  reason           text NOT NULL CHECK (reason IN ('disabled', 'deleted', 'signed_out', 'logout')),
  attempts         integer NOT NULL DEFAULT 0 CHECK (attempts >= 0),
  -- While an attempt runs this is its lease: another replica takes the job over only after it passes.
  next_attempt_at  timestamptz NOT NULL DEFAULT now(),
  last_error       text,
  -- Set when revoked (last_error null) or when every credential it covered expired first (last_error kept).
  done_at          timestamptz,
  created_at       timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX revocation_jobs_due_idx ON revocation_jobs (next_attempt_at, id) WHERE done_at IS NULL;
CREATE INDEX revocation_jobs_user_idx ON revocation_jobs (user_id, created_at DESC);
