-- From this release on the account status is enforced: only a confirmed user may sign in or use tokens.
-- Until now `unconfirmed` merely mirrored an unverified e-mail address on accounts an administrator created
-- (there was no self-service sign-up), and those users could sign in. They keep that: they become confirmed,
-- and their email_verified flag stays as it is.
UPDATE users SET status = 'confirmed', updated_at = now() WHERE status = 'unconfirmed';
