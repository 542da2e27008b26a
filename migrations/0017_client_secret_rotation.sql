-- A rotated client secret: the previous secret's SHA-256 digest keeps authenticating the client until
-- `previous_secret_expires_at` (`latchkey client rotate-secret --grace`), so an app's instances can move to
-- the new secret one by one. Both columns are null when no earlier secret is honoured.
ALTER TABLE clients ADD COLUMN previous_secret_hash text;
ALTER TABLE clients ADD COLUMN previous_secret_expires_at timestamptz;
ALTER TABLE clients ADD CONSTRAINT clients_previous_secret_pair
  CHECK ((previous_secret_hash IS NULL) = (previous_secret_expires_at IS NULL));
