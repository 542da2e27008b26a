-- Staged key rotation: a new key is published ahead of signing (so relying parties and caches hold it before
-- any token names it), signs from `activates_at`, and the key it replaces stops signing then (`retired_at`,
-- now set ahead of time) and stays published until `unpublish_at`. A key's stage is read from these times,
-- so every replica agrees on it without being told. Keys from before this change signed from their creation.
-- A replica of the previous release ignores `activates_at`: during a rolling upgrade it treats a staged key
-- as signing at once (its previous behaviour for a rotation), which verifies everywhere since it is published.
ALTER TABLE signing_keys ADD COLUMN activates_at timestamptz;
UPDATE signing_keys SET activates_at = created_at;
ALTER TABLE signing_keys ALTER COLUMN activates_at SET DEFAULT now();
ALTER TABLE signing_keys ALTER COLUMN activates_at SET NOT NULL;
