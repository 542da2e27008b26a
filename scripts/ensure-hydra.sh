#!/usr/bin/env bash
# Builds Ory Hydra v2.3.0, the peer `npm run bench` measures Latchkey against, into the tools folder outside
# the repository (cached between runs). `go install` refuses Hydra's module because its go.mod has replace
# directives, so the module source is downloaded, the replace that points at a folder the module zip does
# not contain (the generated Go client, used only by Hydra's CLI commands) is dropped, so that the published
# hydra-client-go is taken instead, and the server is built with `go build`, stamped with its version as Hydra's
# release build does (Makefile: `-X …/driver/config.Version`; `hydra version` and GET /version report it).
# Prints the tools' bin folder.
set -euo pipefail
TOOLS="${LATCHKEY_TOOLS_DIR:-$HOME/.cache/latchkey-tools}"
HYDRA_VERSION="v2.3.0"
export PATH="$PATH:/usr/local/go/bin"
# A built binary is kept when it reports the pinned version (read whole first: `grep -q` on the pipe could cut it off).
built_version="$("$TOOLS/bin/hydra" version 2>/dev/null || true)"
if grep -qx "Version: *$HYDRA_VERSION" <<<"$built_version"; then
  echo "$TOOLS/bin"
  exit 0
fi
if ! command -v go >/dev/null 2>&1; then
  echo "Go (1.22 or later) is needed once to build Hydra $HYDRA_VERSION for the benchmark" >&2
  exit 1
fi
mkdir -p "$TOOLS/bin" "$TOOLS/src"
echo "building hydra $HYDRA_VERSION, this takes several minutes the first time" >&2
module_dir="$(go mod download -json "github.com/ory/hydra/v2@$HYDRA_VERSION" | sed -n 's/^[[:space:]]*"Dir": "\(.*\)",$/\1/p')"
if [ -z "$module_dir" ] || [ ! -f "$module_dir/go.mod" ]; then
  echo "could not download github.com/ory/hydra/v2@$HYDRA_VERSION from the Go module proxy" >&2
  exit 1
fi
source_dir="$TOOLS/src/hydra-$HYDRA_VERSION"
rm -rf "$source_dir"
cp -R "$module_dir" "$source_dir"
chmod -R u+w "$source_dir"
cd "$source_dir"
go mod edit -dropreplace github.com/ory/hydra-client-go/v2
# The dropped replace leaves go.sum without the published client's checksums: fetch them (and only them).
GOFLAGS=-mod=mod go mod download github.com/ory/hydra-client-go/v2
GOFLAGS=-mod=mod CGO_ENABLED=0 go build -p 2 -trimpath \
  -ldflags "-X github.com/ory/hydra/v2/driver/config.Version=$HYDRA_VERSION" -o "$TOOLS/bin/hydra" .
rm -f "$TOOLS/bin/.hydra.pin"
rm -rf "$source_dir"
echo "$TOOLS/bin"
