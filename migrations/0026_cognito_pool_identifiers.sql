-- Cognito-shaped identifiers of this pool, generated once and never changed: the user-pool ID is
-- `<LATCHKEY_REGION>_<user_pool_id_suffix>`, the identity-pool ID `<LATCHKEY_REGION>:<identity_pool_uuid>`.
-- Apps built on Amplify or the AWS SDK carry them in their configuration, and the suffix is part of every
-- SRP verifier (Cognito's "pool name"), so a new value would sign every SRP user out of their password.
-- They are public names, not secrets: random() is enough to make two installations differ.
ALTER TABLE user_pool_settings ADD COLUMN user_pool_id_suffix text;
ALTER TABLE user_pool_settings ADD COLUMN identity_pool_uuid uuid NOT NULL DEFAULT gen_random_uuid();
UPDATE user_pool_settings SET user_pool_id_suffix = (
  SELECT string_agg(substr('ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789', 1 + floor(random() * 62)::int, 1), '')
  FROM generate_series(1, 9)
);
ALTER TABLE user_pool_settings ALTER COLUMN user_pool_id_suffix SET NOT NULL;
ALTER TABLE user_pool_settings ADD CONSTRAINT user_pool_id_suffix_shape CHECK (user_pool_id_suffix ~ '^[A-Za-z0-9]{1,55}$');
