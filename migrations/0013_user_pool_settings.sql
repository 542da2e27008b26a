-- The user pool's self-service settings (one row): whether people may sign themselves up, which profile
-- attributes sign-up requires, and whether users may delete their own account on the account page.
CREATE TABLE user_pool_settings (
  singleton            boolean PRIMARY KEY DEFAULT true CHECK (singleton),
  signup_enabled       boolean NOT NULL DEFAULT true,
  signup_required      text[] NOT NULL DEFAULT '{}',
  self_delete_enabled  boolean NOT NULL DEFAULT false,
  updated_at           timestamptz NOT NULL DEFAULT now()
);
INSERT INTO user_pool_settings (singleton) VALUES (true);
