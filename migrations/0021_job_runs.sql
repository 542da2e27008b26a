-- Periodic jobs (expiry cleanup, revocations, key rotation, audit retention): every replica ticks, and a row
-- here says when a job last ran anywhere, so one replica runs it per interval and every replica can report
-- its lag. A run in progress holds a lease (owner and expiry, renewed while it runs): another replica takes
-- the job over only after a replica that died mid-run lets its lease pass.
CREATE TABLE job_runs (
  name               text PRIMARY KEY CHECK (length(name) BETWEEN 1 AND 64),
  last_started_at    timestamptz,
  last_succeeded_at  timestamptz,
  last_failed_at     timestamptz,
  -- The last failure's message (bounded); kept after a later success, so the last problem stays visible.
  last_error         text CHECK (length(last_error) <= 1000),
  runs               bigint NOT NULL DEFAULT 0 CHECK (runs >= 0),
  failures           bigint NOT NULL DEFAULT 0 CHECK (failures >= 0),
  lease_owner        text,
  lease_until        timestamptz
);
