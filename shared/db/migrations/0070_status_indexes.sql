-- The system status (GET /v1/admin/status) reads the last 15 minutes of the audit trail and the
-- reports still waiting for a stage; without these it would scan both tables on every request.
CREATE INDEX IF NOT EXISTS report_events_at ON report_events (at);
CREATE INDEX IF NOT EXISTS reports_unfinished ON reports (current_step, updated_at)
    WHERE status IN ('PENDING', 'PROCESSING');
