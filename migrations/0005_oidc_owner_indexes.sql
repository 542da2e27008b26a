-- Find everything the provider stored for one account or one client, for global sign-out, disabling or
-- deleting a user, and deleting a client.
CREATE INDEX oidc_model_account_id_idx ON oidc_model ((payload->>'accountId')) WHERE payload ? 'accountId';
CREATE INDEX oidc_model_client_id_idx ON oidc_model ((payload->>'clientId')) WHERE payload ? 'clientId';
