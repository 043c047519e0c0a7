-- Batches: many reports submitted in one request (NDJSON of Bundles, or a JSON array), followed
-- as one. The batch row keeps live counts of its reports by status; every status change of one of
-- its reports updates them and writes a batch notification to the outbox, in the same transaction
-- as the change itself, so the counts, the reports and what subscribers hear never disagree.

CREATE TABLE batches (
    id               uuid PRIMARY KEY,
    tenant_id        uuid NOT NULL REFERENCES tenants(id) ON DELETE CASCADE,
    total            integer NOT NULL CHECK (total > 0),       -- reports accepted
    rejected         integer NOT NULL DEFAULT 0,              -- items refused at submission
    pending          integer NOT NULL CHECK (pending >= 0),
    processing       integer NOT NULL DEFAULT 0 CHECK (processing >= 0),
    complete         integer NOT NULL DEFAULT 0 CHECK (complete >= 0),
    failed           integer NOT NULL DEFAULT 0 CHECK (failed >= 0),
    event_seq        integer NOT NULL DEFAULT 0,               -- last batch notification number
    idempotency_key  text,
    request_hash     bytea,
    created_at       timestamptz NOT NULL DEFAULT now(),
    updated_at       timestamptz NOT NULL DEFAULT now(),
    completed_at     timestamptz,                              -- when no report was left to end
    UNIQUE (tenant_id, idempotency_key),
    CHECK (pending + processing + complete + failed = total)
);
CREATE INDEX batches_tenant_created ON batches (tenant_id, created_at DESC, id DESC);

ALTER TABLE reports
    ADD COLUMN batch_id    uuid REFERENCES batches(id) ON DELETE SET NULL,
    ADD COLUMN batch_line  integer;                            -- the item's line (or position)
CREATE INDEX reports_batch ON reports (batch_id, batch_line) WHERE batch_id IS NOT NULL;

-- The notification body is the JSON of shared.events.batch.BatchNotification.
CREATE FUNCTION batch_notification(b batches, cause_report uuid, cause_status text)
RETURNS bytea LANGUAGE sql STABLE AS $$
    SELECT convert_to(json_build_object(
        'event_id', b.event_seq,
        'batch_id', b.id,
        'tenant_id', b.tenant_id,
        'status', CASE WHEN b.pending + b.processing = 0 THEN 'COMPLETE'
                       WHEN b.pending = b.total THEN 'PENDING'
                       ELSE 'PROCESSING' END,
        'total', b.total,
        'counts', json_build_object('pending', b.pending, 'processing', b.processing,
                                    'complete', b.complete, 'failed', b.failed),
        'progress_percent', CASE WHEN b.pending + b.processing = 0 THEN 100 ELSE (
            SELECT coalesce(floor(avg(CASE WHEN r.status IN ('COMPLETE', 'FAILED') THEN 100
                                           ELSE r.progress_percent END)), 0)::int
            FROM reports r WHERE r.batch_id = b.id) END,
        'report_id', cause_report,
        'report_status', cause_status,
        'at', to_char(b.updated_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"')
    )::text, 'UTF8')
$$;

CREATE FUNCTION batch_report_status_changed() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    b batches;
BEGIN
    -- The row lock taken here orders concurrent changes of one batch, so exactly one of them
    -- sees the last report end and says the batch is complete.
    UPDATE batches SET
        pending    = pending    - (OLD.status = 'PENDING')::int    + (NEW.status = 'PENDING')::int,
        processing = processing - (OLD.status = 'PROCESSING')::int + (NEW.status = 'PROCESSING')::int,
        complete   = complete   - (OLD.status = 'COMPLETE')::int   + (NEW.status = 'COMPLETE')::int,
        failed     = failed     - (OLD.status = 'FAILED')::int     + (NEW.status = 'FAILED')::int,
        event_seq  = event_seq + 1,
        updated_at = clock_timestamp()
    WHERE id = NEW.batch_id
    RETURNING * INTO b;
    IF NOT FOUND THEN
        RETURN NULL;
    END IF;
    IF b.pending + b.processing = 0 THEN
        UPDATE batches SET completed_at = b.updated_at WHERE id = b.id;
    ELSIF b.completed_at IS NOT NULL THEN
        UPDATE batches SET completed_at = NULL WHERE id = b.id;   -- a replay reopened a report
    END IF;
    INSERT INTO outbox (message_id, routing_key, body, headers)
    VALUES (
        md5('batch:' || b.id::text || ':' || b.event_seq::text)::uuid,
        CASE WHEN b.pending + b.processing = 0 THEN 'batch.completed' ELSE 'batch.progress' END,
        batch_notification(b, NEW.id, NEW.status),
        '{}'::jsonb
    );
    RETURN NULL;
END $$;

CREATE TRIGGER reports_batch_status AFTER UPDATE OF status ON reports
    FOR EACH ROW WHEN (NEW.batch_id IS NOT NULL AND OLD.status IS DISTINCT FROM NEW.status)
    EXECUTE FUNCTION batch_report_status_changed();
