-- Every replica keeps clients in process (the token endpoint reads one per request) and must hear of each
-- change to them, whoever makes it: the server, a CLI command, another replica or plain SQL. A row trigger
-- announces the changed client's id on a channel when the transaction commits (NOTIFY is transactional),
-- and a replica listening there drops that client. A replica that is not listening keeps nothing. A new
-- client needs no announcement: replicas keep only clients they found.
CREATE FUNCTION latchkey_notify_client_changed() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  PERFORM pg_notify('latchkey_client_changed', OLD.client_id);
  IF TG_OP = 'UPDATE' AND NEW.client_id IS DISTINCT FROM OLD.client_id THEN
    PERFORM pg_notify('latchkey_client_changed', NEW.client_id);
  END IF;
  RETURN NULL;
END;
$$;

CREATE TRIGGER clients_notify_changed
  AFTER UPDATE OR DELETE ON clients
  FOR EACH ROW EXECUTE FUNCTION latchkey_notify_client_changed();
