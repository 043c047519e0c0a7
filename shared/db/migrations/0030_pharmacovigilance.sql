-- Drug and device safety (issue 14): reports by ingredient or brand, case line listings, trend
-- alerts, device reports, and schedules for any of them.

-- Signal history is kept per subject (scope, value and roles: "ingredient:AMBRISENTAN|suspect"),
-- no longer per NDC alone, with the trend alerts each report raised (term|month).
ALTER TABLE cer_signal_history ADD COLUMN subject text;
UPDATE cer_signal_history SET subject = 'ndc:' || ndc || '|all-roles' WHERE subject IS NULL;
ALTER TABLE cer_signal_history ALTER COLUMN subject SET NOT NULL;
ALTER TABLE cer_signal_history ALTER COLUMN ndc DROP NOT NULL;
ALTER TABLE cer_signal_history ADD COLUMN kind text NOT NULL DEFAULT 'cer';
ALTER TABLE cer_signal_history ADD COLUMN trend_alerts text[] NOT NULL DEFAULT '{}';
CREATE INDEX cer_signal_history_subject
    ON cer_signal_history (tenant_id, kind, subject, preset, generated_at DESC);

-- The case line listing of a drug or device report (zlib-compressed JSON rows), read by the
-- renderer for the PDF appendix and cases.csv.
CREATE TABLE cer_case_listings (
    report_id   uuid PRIMARY KEY REFERENCES reports(id) ON DELETE CASCADE,
    rows        bytea NOT NULL,
    sha256      bytea NOT NULL,               -- of the uncompressed JSON
    created_at  timestamptz NOT NULL DEFAULT now()
);

-- Device reports (openFDA device/event, MAUDE) travel the same road as the others.
ALTER TABLE reports DROP CONSTRAINT reports_kind_check;
ALTER TABLE reports ADD CONSTRAINT reports_kind_check
    CHECK (kind IN ('coding', 'cer', 'device'));

-- A schedule refreshes a drug report of any scope, or a device report.
ALTER TABLE schedules ALTER COLUMN ndc DROP NOT NULL;
ALTER TABLE schedules ADD COLUMN kind text NOT NULL DEFAULT 'cer' CHECK (kind IN ('cer', 'device'));
ALTER TABLE schedules ADD COLUMN subject text;
UPDATE schedules SET subject = 'ndc:' || ndc WHERE subject IS NULL;
ALTER TABLE schedules ALTER COLUMN subject SET NOT NULL;
