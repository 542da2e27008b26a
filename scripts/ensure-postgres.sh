#!/usr/bin/env bash
# Makes sure the local PostgreSQL answers on 127.0.0.1:5432, starting the Debian cluster if it stopped.
# Exits non-zero when it cannot: the test suite requires a real Postgres and never skips without one.
set -euo pipefail
ready() { pg_isready -h 127.0.0.1 -p 5432 -q; }
if ready; then exit 0; fi
if command -v pg_ctlcluster >/dev/null 2>&1 && [ -d /etc/postgresql ]; then
  pg_ctlcluster --skip-systemctl-redirect "$(ls /etc/postgresql | head -n1)" main start || true
fi
for _ in $(seq 1 60); do
  if ready; then exit 0; fi
  sleep 1
done
echo "PostgreSQL is not reachable on 127.0.0.1:5432" >&2
exit 1
