#!/usr/bin/env bash
# Builds the pinned MinIO server and mc client with `go install` into a tools folder outside the
# repository (cached between runs). The identity-pool tests start this MinIO on a free loopback port.
# MinIO is source-only since 2025-10; the pins are the final master commits (see README).
set -euo pipefail
TOOLS="${LATCHKEY_TOOLS_DIR:-$HOME/.cache/latchkey-tools}"
MINIO_PIN="github.com/minio/minio@v0.0.0-20260212201848-7aac2a2c5b7c"
MC_PIN="github.com/minio/mc@v0.0.0-20251106162529-77f82e18b540"
mkdir -p "$TOOLS/bin"
export PATH="$PATH:/usr/local/go/bin"
if ! command -v go >/dev/null 2>&1; then
  echo "Go (1.24 or later) is needed once to build the pinned MinIO for the identity-pool tests" >&2
  exit 1
fi
build() {
  local name="$1" pin="$2"
  local stamp="$TOOLS/bin/.$name.pin"
  if [ -x "$TOOLS/bin/$name" ] && [ "$(cat "$stamp" 2>/dev/null)" = "$pin" ]; then return 0; fi
  echo "building $name ($pin), this takes a few minutes the first time" >&2
  GOBIN="$TOOLS/bin" CGO_ENABLED=0 go install -p 2 "$pin"
  echo "$pin" > "$stamp"
}
build minio "$MINIO_PIN"
build mc "$MC_PIN"
echo "$TOOLS/bin"
