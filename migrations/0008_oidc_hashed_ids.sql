-- Provider ids (codes, refresh tokens, session and interaction ids) are stored as keyed hashes from now
-- on (`h1.` + HMAC). Two lookups change with them:
-- 1. Access-token liveness finds a Grant by the raw id its tokens name, which the Grant row keeps in
--    grant_id; this index goes to that one row, not through every rotated refresh token of the grant.
-- 2. Rows written before the change, which a background job re-keys, are found through an index that
--    holds only them: empty once they are converted, so looking for more costs nothing.
CREATE INDEX oidc_model_grant_row_idx ON oidc_model (grant_id) WHERE model = 'Grant';
CREATE INDEX oidc_model_legacy_id_idx ON oidc_model (model) WHERE id NOT LIKE 'h1.%' AND model NOT IN ('RevokedAccessToken');
