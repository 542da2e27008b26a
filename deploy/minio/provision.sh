#!/bin/sh
# One-shot provisioning of MinIO for Latchkey's identity pool: buckets, the envelope policy (everything a
# role may grant, plus an explicit Deny on admin:*), and the broker user Latchkey signs AssumeRole as.
set -eu
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
echo "MinIO is provisioned for Latchkey"
