#!/usr/bin/env bash
# Writes a .env with fresh random secrets for docker compose (never overwrites an existing one).
set -euo pipefail
cd "$(dirname "$0")/.."
if [ -f .env ]; then echo ".env exists; leaving it alone"; exit 0; fi
rand() { head -c 32 /dev/urandom | base64 | tr -d '/+=\n' | cut -c1-40; }
umask 077
cat > .env <<ENV
LATCHKEY_SECRET=$(rand)
POSTGRES_PASSWORD=$(rand)
MINIO_ROOT_PASSWORD=$(rand)
LATCHKEY_STS_SECRET=$(rand)
ENV
echo "wrote .env with new secrets"
