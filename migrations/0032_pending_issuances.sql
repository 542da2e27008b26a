-- An issuance is recorded before the object store has answered, while it mints the credentials, and completed
-- with their access key id once it has: revocation finds a user's credential tags through these rows, so the
-- row must be durable before the credentials are handed out, and writing it while MinIO works keeps that
-- commit off the request's path. NULL: the object store had not answered when the row was written.
ALTER TABLE credential_issuances ALTER COLUMN access_key_id DROP NOT NULL;
