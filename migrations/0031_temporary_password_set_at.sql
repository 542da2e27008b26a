-- When the administrator's temporary password (0030) was set, so that it expires after the pool's
-- temporaryPasswordValidityDays (Cognito's TemporaryPasswordValidityDays): set with temporary_password_hash,
-- cleared when a reset is required without one, kept when a sign-in rehashes the same password.
-- Temporary passwords set before this migration have no recorded moment: they count from now, the migration's
-- time. Counting them as already expired would lock out every user still holding one on the day of the
-- upgrade; counting from now gives them the pool's full validity, as if the administrator had just set them.
-- A temporary password without a moment (written by a Latchkey that predates this column during a rolling
-- upgrade) is treated as expired: an administrator sets it again.
ALTER TABLE users ADD COLUMN temporary_password_set_at timestamptz;
UPDATE users SET temporary_password_set_at = now() WHERE temporary_password_hash IS NOT NULL;
