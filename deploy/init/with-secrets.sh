#!/bin/sh
# Entrypoint wrapper: exports each secret from the `secrets` volume that the environment does not already set
# (a value from `.env` or the orchestrator wins), derives DATABASE_URL for Latchkey when asked to, then runs
# the service's own command.
set -eu
file=${LATCHKEY_SECRETS_FILE:-/run/latchkey-secrets/env}
if [ -f "$file" ]; then
  while IFS='=' read -r name value; do
    case "$name" in ''|'#'*) continue ;; esac
    case "$name" in *[!A-Z0-9_]*) echo "with-secrets: bad name in $file" >&2; exit 1 ;; esac
    eval "current=\${$name:-}"
    if [ -z "$current" ]; then export "$name=$value"; fi
  done < "$file"
fi
if [ -z "${DATABASE_URL:-}" ] && [ -n "${LATCHKEY_DATABASE_HOST:-}" ]; then
  : "${POSTGRES_PASSWORD:?no POSTGRES_PASSWORD in the environment or the secrets volume}"
  export DATABASE_URL="postgres://latchkey:${POSTGRES_PASSWORD}@${LATCHKEY_DATABASE_HOST}/latchkey"
fi
exec "$@"
