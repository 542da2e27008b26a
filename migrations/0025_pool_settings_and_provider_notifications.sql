-- Every sign-in page reads the user pool's settings (whether sign-up is offered) and the upstream providers (its
-- buttons), so every replica keeps both in process, as it keeps clients (0024), and must hear of each change to
-- them, whoever makes it: the server, a CLI command, another replica or plain SQL. Both tables are small and
-- read whole, so a statement-level trigger announces that the table changed, with a constant payload (the key
-- the replicas keep it under), when the transaction commits (NOTIFY is transactional, and repeated
-- notifications of one transaction are delivered once); a replica listening there drops what it kept. A
-- statement that changes no row announces too, which costs one re-read. TRUNCATE is announced as well.
-- A replica that is not listening keeps nothing.
CREATE FUNCTION latchkey_notify_table_changed() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  -- The channel and the payload are the trigger's constant arguments, below.
  PERFORM pg_notify(TG_ARGV[0], TG_ARGV[1]);
  RETURN NULL;
END;
$$;

CREATE TRIGGER user_pool_settings_notify_changed
  AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON user_pool_settings
  FOR EACH STATEMENT EXECUTE FUNCTION latchkey_notify_table_changed('latchkey_user_pool_settings_changed', 'settings');

CREATE TRIGGER upstream_providers_notify_changed
  AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON upstream_providers
  FOR EACH STATEMENT EXECUTE FUNCTION latchkey_notify_table_changed('latchkey_upstream_providers_changed', 'providers');
