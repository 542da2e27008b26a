-- The user pool's self-service settings (one row): whether people may sign themselves up, which profile
-- attributes sign-up requires, whether users may delete their own account on the account page, and the
-- password policy's options (empty: the documented defaults; validated by Latchkey when stored).
CREATE TABLE user_pool_settings (
  singleton            boolean PRIMARY KEY DEFAULT true CHECK (singleton),
  signup_enabled       boolean NOT NULL DEFAULT true,
  signup_required      text[] NOT NULL DEFAULT '{}',
  self_delete_enabled  boolean NOT NULL DEFAULT false,
  password_policy      jsonb NOT NULL DEFAULT '{}'::jsonb CHECK (jsonb_typeof(password_policy) = 'object'),
  updated_at           timestamptz NOT NULL DEFAULT now()
);
INSERT INTO user_pool_settings (singleton) VALUES (true);
