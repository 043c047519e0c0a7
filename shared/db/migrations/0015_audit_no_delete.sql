-- The audit trail is append-only against DELETE too (0001 refused UPDATE only): deleting a report's
-- last events was undetectable by the hash chain alone. Its events still go with the report itself
-- (ON DELETE CASCADE): the trigger lets a row go once its report row is gone.
CREATE FUNCTION report_events_no_delete() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF EXISTS (SELECT 1 FROM reports WHERE id = OLD.report_id) THEN
        RAISE EXCEPTION 'report_events is append-only';
    END IF;
    RETURN OLD;
END $$;
CREATE TRIGGER report_events_no_delete BEFORE DELETE ON report_events
    FOR EACH ROW EXECUTE FUNCTION report_events_no_delete();
