-- AWS-style access keys of admin clients, for the Cognito admin operations an AWS SDK signs with SigV4.
-- The secret is sealed (AES-GCM under LATCHKEY_SECRET), not hashed: verifying a SigV4 signature needs the
-- secret itself as the HMAC key, as AWS keeps it. Deleting the client deletes its keys.
CREATE TABLE aws_access_keys (
  access_key_id  text PRIMARY KEY,
  client_id      text NOT NULL REFERENCES clients (client_id) ON DELETE CASCADE,
  secret_sealed  text NOT NULL,
  created_at     timestamptz NOT NULL DEFAULT now(),
  last_used_at   timestamptz
);

CREATE INDEX aws_access_keys_client_id ON aws_access_keys (client_id);
