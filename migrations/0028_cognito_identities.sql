-- Identities of the Cognito identity-pool API (AWSCognitoIdentityService): an app's GetId answers
-- `<LATCHKEY_REGION>:<id>`. A user's identity is made once and kept (apps store it as the key of their data);
-- a guest identity has no user and exists only while the pool has a guest role to give it.
CREATE TABLE cognito_identities (
  id          uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  user_id     uuid UNIQUE REFERENCES users (id) ON DELETE CASCADE,
  created_at  timestamptz NOT NULL DEFAULT now()
);

-- The role of unauthenticated (guest) identities; none: GetId without logins is refused, as Cognito's
-- AllowUnauthenticatedIdentities false refuses it.
ALTER TABLE pool_settings ADD COLUMN guest_role text REFERENCES roles (name) ON UPDATE CASCADE ON DELETE SET NULL;

-- Issuances through the identity-pool API, guests' included: a guest issuance names its identity, no user.
ALTER TABLE credential_issuances ALTER COLUMN user_id DROP NOT NULL;
ALTER TABLE credential_issuances ALTER COLUMN client_id DROP NOT NULL;
ALTER TABLE credential_issuances ADD COLUMN identity_id uuid;
ALTER TABLE credential_issuances ADD CONSTRAINT credential_issuances_subject CHECK (user_id IS NOT NULL OR identity_id IS NOT NULL);
ALTER TABLE credential_issuances DROP CONSTRAINT credential_issuances_channel_check;
ALTER TABLE credential_issuances ADD CONSTRAINT credential_issuances_channel_check CHECK (channel IN ('credentials', 'aws-sts', 'cognito-identity'));
