#!/usr/bin/env bash
# Builds the pinned oauth2-proxy with `go install` into the same tools folder as MinIO (outside the
# repository, cached between runs). The oauth2-proxy integration test runs this real relying party
# against Latchkey on loopback ports.
set -euo pipefail
TOOLS="${LATCHKEY_TOOLS_DIR:-$HOME/.cache/latchkey-tools}"
PIN="github.com/oauth2-proxy/oauth2-proxy/v7@v7.15.6"
mkdir -p "$TOOLS/bin"
export PATH="$PATH:/usr/local/go/bin"
if ! command -v go >/dev/null 2>&1; then
  echo "Go is needed once to build the pinned oauth2-proxy for its integration test" >&2
  exit 1
fi
stamp="$TOOLS/bin/.oauth2-proxy.pin"
if ! [ -x "$TOOLS/bin/oauth2-proxy" ] || [ "$(cat "$stamp" 2>/dev/null)" != "$PIN" ]; then
  echo "building oauth2-proxy ($PIN), this takes a few minutes the first time" >&2
  GOBIN="$TOOLS/bin" CGO_ENABLED=0 go install -p 2 "$PIN"
  echo "$PIN" > "$stamp"
fi
echo "$TOOLS/bin"
