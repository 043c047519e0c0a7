-- Live channels beyond one report's own audit trail: the tenant's feed (and a batch's), each an
-- ordered log with a sequence number per channel, so a subscriber that reconnects resumes from
-- the last number it saw. A channel's next number is taken under its head row's lock inside the
-- transaction that records the event, so numbers commit in order and without gaps.
CREATE TABLE channel_heads (
    channel  text PRIMARY KEY,      -- 'tenant:<uuid>' | 'batch:<uuid>'
    seq      bigint NOT NULL
);

CREATE TABLE channel_events (
    channel    text NOT NULL,
    seq        bigint NOT NULL,
    tenant_id  uuid NOT NULL REFERENCES tenants(id) ON DELETE CASCADE,
    at         timestamptz NOT NULL,
    body       jsonb NOT NULL,      -- the event as subscribers receive it (PHI-free by construction)
    PRIMARY KEY (channel, seq)
);
CREATE INDEX channel_events_at ON channel_events (at);
