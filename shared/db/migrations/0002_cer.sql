-- Drug-safety reports (CER): openFDA response cache, the shared openFDA rate limit, case
-- projections too big for a message, signal history per product, and scheduled refreshes.

-- openFDA responses keyed by SHA-256 of the request URL (the API key is never part of it). An entry
-- is used only while younger than the TTL and from the data release (meta.last_updated) the client
-- last saw live; entries of other releases are deleted when a new release is seen.
CREATE TABLE faers_cache (
    key           bytea PRIMARY KEY,
    url           text NOT NULL,
    status        smallint NOT NULL,           -- 200, or 404 for openFDA's NOT_FOUND (zero matches)
    body          bytea NOT NULL,              -- zlib-compressed response body
    next_url      text,                        -- Link rel="next" (search_after paging)
    last_updated  date,
    fetched_at    timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX faers_cache_fetched ON faers_cache (fetched_at);
CREATE INDEX faers_cache_release ON faers_cache (last_updated);

-- Token buckets for openFDA's per-minute and per-day limits, shared by every ingestor replica.
-- Refilled from the database clock under a row lock (see services/ingestor/openfda/ratelimit.py).
CREATE TABLE openfda_rate_buckets (
    name          text PRIMARY KEY,
    tokens        double precision NOT NULL,
    capacity      double precision NOT NULL CHECK (capacity > 0),
    refill_per_s  double precision NOT NULL CHECK (refill_per_s > 0),
    updated_at    timestamptz NOT NULL DEFAULT clock_timestamp()
);

-- The verified FAERS case projection of a CER when it is too big to travel in report.ingested.
CREATE TABLE cer_datasets (
    report_id   uuid PRIMARY KEY REFERENCES reports(id) ON DELETE CASCADE,
    cases       bytea NOT NULL,                -- zlib-compressed JSON array of FaersCase
    sha256      bytea NOT NULL,                -- of the uncompressed JSON
    created_at  timestamptz NOT NULL DEFAULT now()
);

-- The signals each analysed CER found, to tell what is new or gone in the next one.
CREATE TABLE cer_signal_history (
    report_id          uuid PRIMARY KEY REFERENCES reports(id) ON DELETE CASCADE,
    tenant_id          uuid NOT NULL REFERENCES tenants(id) ON DELETE CASCADE,
    ndc                text NOT NULL,           -- normalised (LLLLL-PPPP[-KK])
    preset             text NOT NULL,
    signals            text[] NOT NULL,
    data_last_updated  date,
    generated_at       timestamptz NOT NULL
);
CREATE INDEX cer_signal_history_latest
    ON cer_signal_history (tenant_id, ndc, preset, generated_at DESC);

-- Scheduled refreshes of a CER. A replica claims a due schedule by taking its lease
-- (FOR UPDATE SKIP LOCKED), so each due run happens once however many replicas poll; a replica
-- that dies mid-run loses the lease when it expires and another one finishes the run.
CREATE TABLE schedules (
    id                 uuid PRIMARY KEY,
    tenant_id          uuid NOT NULL REFERENCES tenants(id) ON DELETE CASCADE,
    ndc                text NOT NULL,
    request            jsonb NOT NULL,          -- the CerRequest each run submits
    every              text NOT NULL,           -- as given: ISO 8601 duration or cron expression
    next_run_at        timestamptz NOT NULL,
    lease_owner        text,
    lease_until        timestamptz,
    runs               integer NOT NULL DEFAULT 0,
    last_run_at        timestamptz,
    last_outcome       text,                    -- regenerated | unchanged | failed: <reason>
    last_data_updated  date,                    -- openFDA release the last regeneration used
    last_report_id     uuid REFERENCES reports(id) ON DELETE SET NULL,
    created_at         timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX schedules_due ON schedules (next_run_at);
CREATE INDEX schedules_tenant ON schedules (tenant_id, created_at DESC, id DESC);
