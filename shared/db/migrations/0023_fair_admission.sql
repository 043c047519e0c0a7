-- Fair admission: a report enters the pipeline (its report.requested leaves the outbox) only while
-- its tenant has fewer than CLINRELAY_TENANT_MAX_IN_FLIGHT reports admitted and not finished, so
-- one tenant's burst waits in the outbox instead of in front of every other tenant's reports.
ALTER TABLE outbox ADD COLUMN admission_tenant uuid;

CREATE INDEX outbox_admissions ON outbox (admission_tenant, id) WHERE admission_tenant IS NOT NULL;

-- The relay counts each waiting tenant's unfinished reports.
CREATE INDEX reports_tenant_unfinished ON reports (tenant_id)
    WHERE status IN ('PENDING', 'PROCESSING');
