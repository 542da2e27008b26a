#!/bin/sh
# One-shot: on the stack's first start, writes random development secrets into the `secrets` volume, and
# keeps them on every later start (never overwritten, so restarts find their data). Each value starts with
# `dev-`: Latchkey in production refuses such a secret, so this file can never become a production one.
set -eu
file=${LATCHKEY_SECRETS_FILE:-/run/latchkey-secrets/env}
if [ -s "$file" ]; then echo "secrets: kept the development secrets from the first start"; exit 0; fi
rand() { printf 'dev-%s' "$(head -c 30 /dev/urandom | base64 | tr -d '/+=\n')"; }
umask 077
tmp="$file.tmp"
{
  echo "# Generated on the first start of the development stack. Not for production."
  echo "LATCHKEY_SECRET=$(rand)"
  echo "POSTGRES_PASSWORD=$(rand)"
  echo "MINIO_ROOT_PASSWORD=$(rand)"
  sts=$(rand)
  echo "LATCHKEY_STS_SECRET=$sts"
  echo "S3_STS_SECRET_KEY=$sts"
} > "$tmp"
# Latchkey and the demo run as uid 1000 (the image's `node` user); Postgres and MinIO read it as root.
chown 1000:1000 "$tmp" 2>/dev/null || true   # (not root: already the owner)
mv "$tmp" "$file"
echo "secrets: generated development secrets (kept in the secrets volume)"
