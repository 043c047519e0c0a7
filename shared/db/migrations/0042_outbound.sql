-- Outbound notifications: signed webhooks and email recipients per tenant, and one delivery row
-- per (target, event) with its attempts, so a redelivered event is not sent twice and every
-- attempt is visible (GET /v1/webhooks/{id}/deliveries).
CREATE TABLE webhooks (
    id          uuid PRIMARY KEY,
    tenant_id   uuid NOT NULL REFERENCES tenants(id) ON DELETE CASCADE,
    url         text NOT NULL,
    events      text[] NOT NULL,
    secret      text NOT NULL,            -- signs deliveries; shown once, at creation
    created_at  timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX webhooks_tenant ON webhooks (tenant_id, created_at DESC);

CREATE TABLE email_recipients (
    id          uuid PRIMARY KEY,
    tenant_id   uuid NOT NULL REFERENCES tenants(id) ON DELETE CASCADE,
    address     text NOT NULL,
    events      text[] NOT NULL,
    created_at  timestamptz NOT NULL DEFAULT now(),
    UNIQUE (tenant_id, address)
);

CREATE TABLE deliveries (
    id            uuid PRIMARY KEY,
    tenant_id     uuid NOT NULL REFERENCES tenants(id) ON DELETE CASCADE,
    webhook_id    uuid REFERENCES webhooks(id) ON DELETE CASCADE,
    recipient_id  uuid REFERENCES email_recipients(id) ON DELETE CASCADE,
    event_id      uuid NOT NULL,          -- the notification's message id
    event_type    text NOT NULL,          -- report.completed | report.failed | batch.completed | batch.failed
    payload       jsonb NOT NULL,         -- what is sent (PHI-free by construction)
    status        text NOT NULL DEFAULT 'pending' CHECK (status IN ('pending', 'delivered', 'failed')),
    attempts      integer NOT NULL DEFAULT 0,
    history       jsonb NOT NULL DEFAULT '[]'::jsonb,  -- [{at, status_code, error, duration_ms}]
    created_at    timestamptz NOT NULL DEFAULT now(),
    updated_at    timestamptz NOT NULL DEFAULT now(),
    delivered_at  timestamptz,
    CHECK ((webhook_id IS NULL) <> (recipient_id IS NULL)),
    UNIQUE (webhook_id, event_id),
    UNIQUE (recipient_id, event_id)
);
CREATE INDEX deliveries_webhook ON deliveries (webhook_id, created_at DESC) WHERE webhook_id IS NOT NULL;
