#!/usr/bin/env bash
# Makes sure a Docker engine with compose v2 answers, for the compose-stack test. An engine already running
# is used as it is. Otherwise LATCHKEY_DOCKER_SETUP names a script that starts one (CI machines that reach no
# container registry start a local engine with stand-in base images this way); without either, this fails:
# the compose test is never skipped.
set -euo pipefail
if docker info >/dev/null 2>&1 && docker compose version >/dev/null 2>&1; then
  echo "docker: engine $(docker info --format '{{.ServerVersion}}'), $(docker compose version --short 2>/dev/null || true)" >&2
  exit 0
fi
if [ -n "${LATCHKEY_DOCKER_SETUP:-}" ]; then
  echo "docker: starting an engine with $LATCHKEY_DOCKER_SETUP" >&2
  bash "$LATCHKEY_DOCKER_SETUP" >&2
  docker info >/dev/null && docker compose version >/dev/null && exit 0
fi
echo "docker: no Docker engine with compose v2 answers (docker info); the compose-stack test needs one" >&2
exit 1
