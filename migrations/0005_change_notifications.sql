-- Change notifications for the service's in-process caches (docs/adr/0015-in-process-caches-told-by-postgres.md).
-- Every process LISTENs on these channels and drops what it holds when told: a collection's resolved id and
-- version when the collection changes, its verified API keys when a key is revoked, re-scoped or re-budgeted.
-- Triggers fire for every writer (the service, the CLI, a restore, plain SQL) and notify on commit only.
-- Expand-only: functions and triggers the previous release neither needs nor notices.
CREATE FUNCTION slipway_notify_collection_changed() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
  PERFORM pg_notify('slipway_collection_changed', OLD.name);
  RETURN NULL;
END;
$$;

CREATE TRIGGER collections_notify_changed
  AFTER UPDATE OR DELETE ON collections
  FOR EACH ROW EXECUTE FUNCTION slipway_notify_collection_changed();

CREATE FUNCTION slipway_notify_api_key_changed() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
  PERFORM pg_notify('slipway_api_key_changed', coalesce(NEW.api_key_id, OLD.api_key_id)::text);
  RETURN NULL;
END;
$$;

CREATE FUNCTION slipway_notify_api_key_row_changed() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
  PERFORM pg_notify('slipway_api_key_changed', OLD.id::text);
  RETURN NULL;
END;
$$;

-- not on last_used_at: the service stamps it while keys are in use, and that changes nothing it caches
CREATE TRIGGER api_keys_notify_changed
  AFTER UPDATE OF revoked_at, scopes, key_hash ON api_keys
  FOR EACH ROW EXECUTE FUNCTION slipway_notify_api_key_row_changed();

CREATE TRIGGER api_keys_notify_deleted
  AFTER DELETE ON api_keys
  FOR EACH ROW EXECUTE FUNCTION slipway_notify_api_key_row_changed();

CREATE TRIGGER api_key_budgets_notify_changed
  AFTER INSERT OR UPDATE OR DELETE ON api_key_budgets
  FOR EACH ROW EXECUTE FUNCTION slipway_notify_api_key_changed();
