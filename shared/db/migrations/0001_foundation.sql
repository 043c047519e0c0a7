-- The road from POST to PDF: tenants and keys, reports and their audit trail, artifacts,
-- the transactional outbox, message de-duplication and the dead-letter parking lot.

CREATE TABLE tenants (
    id          uuid PRIMARY KEY,
    name        text NOT NULL UNIQUE,
    created_at  timestamptz NOT NULL DEFAULT now()
);

-- API keys are random 256-bit secrets; only their SHA-256 is stored, so a stolen table grants nothing.
CREATE TABLE api_keys (
    id          uuid PRIMARY KEY,
    tenant_id   uuid NOT NULL REFERENCES tenants(id) ON DELETE CASCADE,
    key_hash    bytea NOT NULL UNIQUE,
    key_prefix  text NOT NULL,
    is_admin    boolean NOT NULL DEFAULT false,
    created_at  timestamptz NOT NULL DEFAULT now(),
    revoked_at  timestamptz
);

CREATE TABLE reports (
    id                  uuid PRIMARY KEY,
    tenant_id           uuid NOT NULL REFERENCES tenants(id),
    kind                text NOT NULL CHECK (kind IN ('coding', 'cer')),
    status              text NOT NULL DEFAULT 'PENDING'
                        CHECK (status IN ('PENDING', 'PROCESSING', 'COMPLETE', 'FAILED')),
    progress_percent    smallint NOT NULL DEFAULT 0 CHECK (progress_percent BETWEEN 0 AND 100),
    current_step        text NOT NULL DEFAULT 'accepted',
    created_at          timestamptz NOT NULL DEFAULT now(),
    updated_at          timestamptz NOT NULL DEFAULT now(),
    started_at          timestamptz,
    completed_at        timestamptz,
    processing_time_ms  integer,
    error_message       text,
    error_details       jsonb,
    retry_count         integer NOT NULL DEFAULT 0,
    request             jsonb NOT NULL DEFAULT '{}'::jsonb,  -- PHI-free request parameters
    idempotency_key     text,
    request_hash        bytea,
    result              jsonb,
    event_seq           integer NOT NULL DEFAULT 0,          -- last audit event number
    event_hash          bytea,                               -- hash of the last audit event
    UNIQUE (tenant_id, idempotency_key)
);
CREATE INDEX reports_tenant_created ON reports (tenant_id, created_at DESC, id DESC);

-- Raw input as the client sent it (a FHIR Bundle holds PHI). Only the gateway writes it and only the
-- ingestor reads it; it is purged after the configured retention.
CREATE TABLE report_inputs (
    report_id   uuid PRIMARY KEY REFERENCES reports(id) ON DELETE CASCADE,
    media_type  text NOT NULL,
    body        bytea NOT NULL,
    created_at  timestamptz NOT NULL DEFAULT now()
);

-- Append-only audit trail; each row carries the SHA-256 of its predecessor, so an edit breaks the chain.
CREATE TABLE report_events (
    report_id         uuid NOT NULL REFERENCES reports(id) ON DELETE CASCADE,
    seq               integer NOT NULL,
    at                timestamptz NOT NULL DEFAULT now(),
    actor             text NOT NULL,
    step              text NOT NULL,
    outcome           text NOT NULL,
    status            text NOT NULL,
    progress_percent  smallint NOT NULL,
    message           text,
    details           jsonb NOT NULL DEFAULT '{}'::jsonb,
    prev_hash         bytea,
    hash              bytea NOT NULL,
    PRIMARY KEY (report_id, seq)
);

CREATE FUNCTION report_events_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION 'report_events is append-only';
END $$;
CREATE TRIGGER report_events_no_update BEFORE UPDATE ON report_events
    FOR EACH ROW EXECUTE FUNCTION report_events_append_only();

CREATE TABLE artifacts (
    report_id     uuid NOT NULL REFERENCES reports(id) ON DELETE CASCADE,
    name          text NOT NULL,
    media_type    text NOT NULL,
    content       bytea NOT NULL,
    sha256        bytea NOT NULL,
    created_at    timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (report_id, name)
);

-- Transactional outbox: whatever must be published is written here in the same transaction as the
-- state change that caused it; relays publish it with confirms and then delete it.
CREATE TABLE outbox (
    id           bigserial PRIMARY KEY,
    message_id   uuid NOT NULL,
    routing_key  text NOT NULL,
    body         bytea NOT NULL,
    headers      jsonb NOT NULL DEFAULT '{}'::jsonb,
    created_at   timestamptz NOT NULL DEFAULT now()
);

CREATE FUNCTION outbox_notify() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    PERFORM pg_notify('clinrelay_outbox', '');
    RETURN NULL;
END $$;
CREATE TRIGGER outbox_inserted AFTER INSERT ON outbox
    FOR EACH STATEMENT EXECUTE FUNCTION outbox_notify();

-- A message is processed once per stage, whatever the broker redelivers.
CREATE TABLE processed_messages (
    message_id    uuid NOT NULL,
    stage         text NOT NULL,
    processed_at  timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (message_id, stage)
);

-- Messages a stage gave up on, kept for admins to inspect and replay.
CREATE TABLE dead_letters (
    id            uuid PRIMARY KEY,
    message_id    uuid NOT NULL,
    stage         text NOT NULL,
    report_id     uuid REFERENCES reports(id) ON DELETE CASCADE,
    routing_key   text NOT NULL,
    body          bytea NOT NULL,
    headers       jsonb NOT NULL DEFAULT '{}'::jsonb,
    reason        text NOT NULL,
    error_message text NOT NULL,
    attempts      integer NOT NULL,
    parked_at     timestamptz NOT NULL DEFAULT now(),
    replayed_at   timestamptz,
    UNIQUE (message_id, stage)
);
CREATE INDEX dead_letters_open ON dead_letters (parked_at DESC) WHERE replayed_at IS NULL;
