#!/bin/sh
# One-shot provisioning of MinIO for Latchkey's identity pool: buckets, the envelope policy (everything a
# role may grant, plus an explicit Deny on admin:*), and the broker user Latchkey signs AssumeRole as.
set -eu
: "${MC_HOST_m:=http://${MINIO_ROOT_USER:-latchkey-admin}:${MINIO_ROOT_PASSWORD:?}@${MINIO_HOST:-minio:9000}}"
export MC_HOST_m
: "${LATCHKEY_BUCKETS:=free premium home}"
for bucket in $LATCHKEY_BUCKETS; do mc mb --ignore-existing "m/$bucket"; done
resources=""
for bucket in $LATCHKEY_BUCKETS; do
  resources="$resources\"arn:aws:s3:::$bucket\",\"arn:aws:s3:::$bucket/*\","
done
cat > /tmp/envelope.json <<JSON
{"Version":"2012-10-17","Statement":[
  {"Effect":"Allow","Action":["s3:*"],"Resource":[${resources%,}]},
  {"Effect":"Deny","Action":["admin:*"]}]}
JSON
mc admin policy create m latchkey-envelope /tmp/envelope.json
mc admin user add m latchkey-sts "$LATCHKEY_STS_SECRET"
mc admin policy attach m latchkey-envelope --user latchkey-sts || true   # already attached on re-runs
# Optional seed content (the demo's catalogue): LATCHKEY_SEED_DIR is mirrored into LATCHKEY_SEED_BUCKET.
if [ -n "${LATCHKEY_SEED_DIR:-}" ]; then mc mirror --overwrite "$LATCHKEY_SEED_DIR" "m/${LATCHKEY_SEED_BUCKET:-media}"; fi
echo "MinIO is provisioned for Latchkey"
