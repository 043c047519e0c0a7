-- A stage's result in one round trip (issue 15): the de-duplication claim, the steps (audit events,
-- hash-chained), their notifications and tenant-feed entries, the next event, the artifacts and
-- the report's new state, written by one call that commits on its own.
--
-- The caller read the report (its last event number and hash, status, progress...) before the
-- stage worked, and planned everything from it in Python (shared/db/stage_steps.py): the events'
-- numbers and hashes, the report's new state, the outbox rows. This function locks the report
-- and applies the plan only if the report is still at the event number the plan started from;
-- otherwise it writes nothing, claims nothing and returns NULL, and the caller records the steps
-- the old way, under the report's lock (shared/db/reports.py record_step). A message this stage
-- already processed (the claim exists) writes nothing either and returns an empty array.
--
-- What only the database can know is filled in here: the tenant feed's numbers, taken under the
-- head row's lock after the report's (the order every writer keeps, see 0040/0041), and spliced
-- into each notification between the two halves of its body the caller sent (note_heads ||
-- number || note_tails), so the outbox and the feed carry the same bytes record_step writes.
-- A status change before the last step updates the report there, so what fires on it (a batch's
-- progress, 0020) fires as often and in the same order as with one record_step per step.
-- Returns the events' numbers on the tenant feed, in order.
CREATE FUNCTION record_stage_steps(
    p_report uuid,
    p_expected_seq integer,
    p_claim_message uuid,          -- NULL: no de-duplication claim
    p_claim_stage text,
    -- the events, in order
    p_seqs integer[],
    p_ats timestamptz[],
    p_actors text[],
    p_steps text[],
    p_outcomes text[],
    p_statuses text[],
    p_progress integer[],
    p_messages text[],
    p_details jsonb[],
    p_prev_hashes bytea[],
    p_hashes bytea[],
    -- their notifications (one per event)
    p_note_ids uuid[],
    p_note_keys text[],
    p_note_heads bytea[],
    p_note_tails bytea[],
    p_note_headers jsonb[],
    -- the report after the last event
    p_status text,
    p_progress_percent integer,
    p_current_step text,
    p_started_at timestamptz,
    p_completed_at timestamptz,
    p_processing_time_ms integer,
    p_error_message text,
    p_error_details jsonb,
    p_result jsonb,
    p_retry_increment integer,
    -- further outbox rows (the next event), after the notifications
    p_message_ids uuid[],
    p_routing_keys text[],
    p_bodies bytea[],
    p_headers jsonb[],
    p_admission_tenants uuid[],
    -- artifacts
    p_artifact_names text[],
    p_artifact_types text[],
    p_artifact_contents bytea[],
    p_artifact_sha256 bytea[]
) RETURNS bigint[] LANGUAGE plpgsql AS $$
DECLARE
    v_seq integer;
    v_tenant uuid;
    v_events integer := cardinality(p_seqs);
    v_status text;
    v_feed text;
    v_number bigint;
    v_numbers bigint[] := '{}';
    v_body bytea;
BEGIN
    SELECT event_seq, tenant_id, status INTO v_seq, v_tenant, v_status
    FROM reports WHERE id = p_report FOR UPDATE;
    IF NOT FOUND OR v_seq <> p_expected_seq THEN
        RETURN NULL;
    END IF;
    IF p_claim_message IS NOT NULL THEN
        INSERT INTO processed_messages (message_id, stage) VALUES (p_claim_message, p_claim_stage)
            ON CONFLICT DO NOTHING;
        IF NOT FOUND THEN
            RETURN '{}';
        END IF;
    END IF;
    IF coalesce(v_events, 0) = 0 THEN
        RAISE EXCEPTION 'record_stage_steps: no step to record';
    END IF;

    v_feed := 'tenant:' || v_tenant::text;
    INSERT INTO report_events
        (report_id, seq, at, actor, step, outcome, status, progress_percent, message, details,
         prev_hash, hash)
    SELECT p_report, e.* FROM unnest(p_seqs, p_ats, p_actors, p_steps, p_outcomes, p_statuses,
                                     p_progress, p_messages, p_details, p_prev_hashes, p_hashes)
                         AS e;

    FOR i IN 1 .. v_events LOOP
        INSERT INTO channel_heads (channel, seq) VALUES (v_feed, 1)
            ON CONFLICT (channel) DO UPDATE SET seq = channel_heads.seq + 1
            RETURNING seq INTO v_number;
        v_numbers := v_numbers || v_number;
        v_body := p_note_heads[i] || convert_to(v_number::text, 'UTF8') || p_note_tails[i];
        INSERT INTO channel_events (channel, seq, tenant_id, at, body)
            VALUES (v_feed, v_number, v_tenant, p_ats[i], convert_from(v_body, 'UTF8')::jsonb);
        INSERT INTO outbox (message_id, routing_key, body, headers)
            VALUES (p_note_ids[i], p_note_keys[i], v_body, p_note_headers[i]);
        IF i < v_events AND p_statuses[i] <> v_status THEN
            -- A status change before the last step fires what record_step's update would
            -- (a batch's progress, migration 0020) in the same order.
            UPDATE reports SET status = p_statuses[i] WHERE id = p_report;
            v_status := p_statuses[i];
        END IF;
    END LOOP;

    INSERT INTO outbox (message_id, routing_key, body, headers, admission_tenant)
    SELECT * FROM unnest(p_message_ids, p_routing_keys, p_bodies, p_headers, p_admission_tenants);

    UPDATE reports SET
        status = p_status, progress_percent = p_progress_percent, current_step = p_current_step,
        updated_at = p_ats[v_events], started_at = p_started_at, completed_at = p_completed_at,
        processing_time_ms = p_processing_time_ms,
        error_message = CASE WHEN p_status = 'FAILED' THEN p_error_message ELSE NULL END,
        error_details = CASE WHEN p_status = 'FAILED' THEN p_error_details ELSE NULL END,
        result = COALESCE(p_result, result),
        retry_count = retry_count + p_retry_increment,
        event_seq = p_seqs[v_events], event_hash = p_hashes[v_events]
    WHERE id = p_report;

    INSERT INTO artifacts (report_id, name, media_type, content, sha256)
    SELECT p_report, a.* FROM unnest(p_artifact_names, p_artifact_types, p_artifact_contents,
                                     p_artifact_sha256) AS a
    ON CONFLICT (report_id, name) DO UPDATE
        SET media_type = EXCLUDED.media_type, content = EXCLUDED.content,
            sha256 = EXCLUDED.sha256, created_at = now();

    RETURN v_numbers;
END $$;
