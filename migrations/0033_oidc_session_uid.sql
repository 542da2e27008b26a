-- The stored uid of the session a code or token is bound to (its `sessionUid`, hashed as the Session row's own
-- `uid` column is), so that the token endpoint reads the session with the code or refresh token it is given, in
-- the same statement, instead of after it. NULL for rows bound to no session and for rows written before.
ALTER TABLE oidc_model ADD COLUMN session_uid text;
