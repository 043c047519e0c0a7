-- Batch notifications join their tenant's feed: when one is written to the outbox (by the
-- gateway for a new batch, or by the batch trigger of migration 0020), it takes the tenant
-- channel's next number, is logged for resuming subscribers, and carries the number to the
-- notifier in the x-clinrelay-tenant-seq header. Reports are locked before the tenant's head
-- everywhere (record_step claims the head before the report update that fires the batch
-- trigger), so this adds no lock-order cycle.
CREATE FUNCTION outbox_batch_to_tenant_feed() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    note jsonb := convert_from(NEW.body, 'UTF8')::jsonb;
    feed text := 'tenant:' || (note ->> 'tenant_id');
    n bigint;
BEGIN
    INSERT INTO channel_heads (channel, seq) VALUES (feed, 1)
        ON CONFLICT (channel) DO UPDATE SET seq = channel_heads.seq + 1
        RETURNING seq INTO n;
    INSERT INTO channel_events (channel, seq, tenant_id, at, body)
        VALUES (feed, n, (note ->> 'tenant_id')::uuid, clock_timestamp(),
                note || jsonb_build_object('tenant_seq', n));
    NEW.headers := coalesce(NEW.headers, '{}'::jsonb)
        || jsonb_build_object('x-clinrelay-tenant-seq', n);
    RETURN NEW;
END $$;

CREATE TRIGGER outbox_batch_feed BEFORE INSERT ON outbox
    FOR EACH ROW WHEN (NEW.routing_key IN ('batch.progress', 'batch.completed'))
    EXECUTE FUNCTION outbox_batch_to_tenant_feed();
