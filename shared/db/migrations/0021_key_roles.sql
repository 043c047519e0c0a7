-- Key roles. An admin key administers its own tenant only (its dead letters); crossing tenants
-- needs an operator key, which only `clinrelay keys create --operator` mints. Keys that were
-- admin keys stay admin keys, now scoped to their tenant.
ALTER TABLE api_keys
    ADD COLUMN role text NOT NULL DEFAULT 'client' CHECK (role IN ('client', 'admin', 'operator'));
UPDATE api_keys SET role = 'admin' WHERE is_admin;
ALTER TABLE api_keys DROP COLUMN is_admin;

-- Revocation is announced the moment it commits, so every process drops the key from its cache
-- and closes what the key holds open (WebSockets) at once. The payload is the key's id.
CREATE FUNCTION api_key_revoked() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    PERFORM pg_notify('clinrelay_key_revoked', OLD.id::text);
    RETURN NULL;
END $$;
CREATE TRIGGER api_keys_revoked AFTER UPDATE OF revoked_at ON api_keys
    FOR EACH ROW WHEN (OLD.revoked_at IS NULL AND NEW.revoked_at IS NOT NULL)
    EXECUTE FUNCTION api_key_revoked();
CREATE TRIGGER api_keys_deleted AFTER DELETE ON api_keys
    FOR EACH ROW EXECUTE FUNCTION api_key_revoked();
