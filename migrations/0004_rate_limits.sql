-- Fixed-window counters for brute-force protection, shared by every replica.
CREATE TABLE rate_limits (
  key           text PRIMARY KEY,
  window_start  timestamptz NOT NULL DEFAULT now(),
  count         integer NOT NULL DEFAULT 0
);
CREATE INDEX rate_limits_window_start_idx ON rate_limits (window_start);
