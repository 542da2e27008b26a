-- The password an administrator set as temporary (AdminCreateUser's TemporaryPassword, AdminSetUserPassword
-- with Permanent false), which the user may sign in with once to choose their own: Cognito's
-- FORCE_CHANGE_PASSWORD, answered with the NEW_PASSWORD_REQUIRED challenge. Kept as the password_hash it
-- was set with: the password is temporary only while the account is reset_required and this still equals
-- password_hash, so any later change of the password ends it without every writer having to clear it.
-- A reset required otherwise (an imported user, `user require-reset`) leaves it NULL: that user resets.
ALTER TABLE users ADD COLUMN temporary_password_hash text;
