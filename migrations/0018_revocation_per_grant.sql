-- Storage credentials are tagged per grant (MinIO TokenRevokeType u:<user id>:g:<hash of the grant id>), so
-- RP-initiated logout revokes the credentials of the grants it ends and leaves those of the user's other apps
-- working. Each issuance records the tag it was minted with; rows from before carry NULL, which means the
-- earlier per-user tag u:<user id> (a replica still on the previous build writes NULL too).
ALTER TABLE credential_issuances ADD COLUMN revoke_type text CHECK (revoke_type IS NULL OR length(revoke_type) BETWEEN 1 AND 128);

-- What a revocation job covers: 'grant' revokes its one revoke_type; 'user' revokes every tag the user's
-- unexpired credentials carry, read when the job is attempted (revoke_type then holds the per-user tag).
ALTER TABLE revocation_jobs ADD COLUMN scope text NOT NULL DEFAULT 'user' CHECK (scope IN ('user', 'grant'));
