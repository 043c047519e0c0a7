-- A hop's notifications in one broker message (issue 15, session 6). record_stage_steps (0080)
-- wrote one outbox row per notification: a stage hop that recorded "started" with its result put
-- three messages through the relay and the broker (two notifications and the next event). Now,
-- when every notification of the call but the last is a progress one (report.progress: no
-- alert, nothing final), those earlier ones ride on the last one's message, in its
-- x-clinrelay-notes header (a JSON array of their bodies, oldest first, each with its tenant-feed
-- number); the live hubs (shared/live/feed.py) pass them on before the message's own. The audit
-- events, the tenant feed's log and the notifications' bytes are what 0080 wrote; only how many
-- messages carry them changed. Alerts and final notifications still travel as messages of their
-- own (the outbound worker consumes them). Same signature, so callers are unchanged.
-- Also: a status change before the last step (PENDING -> PROCESSING by "started") updates the
-- report on its own only when the report is in a batch, whose trigger (0020) must fire between
-- the steps; for any other report that UPDATE changed nothing the last one does not write.
CREATE OR REPLACE FUNCTION record_stage_steps(
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
    v_batch uuid;
    v_feed text;
    v_number bigint;
    v_numbers bigint[] := '{}';
    v_body bytea;
    -- Every note but the last is progress: they ride on the last one's message.
    v_carry boolean := cardinality(p_seqs) > 1
        AND 'report.progress' = ALL (p_note_keys[1:cardinality(p_seqs) - 1]);
    v_riders text[] := '{}';
BEGIN
    SELECT event_seq, tenant_id, status, batch_id INTO v_seq, v_tenant, v_status, v_batch
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
        IF v_carry AND i < v_events THEN
            v_riders := v_riders || convert_from(v_body, 'UTF8');
        ELSE
            INSERT INTO outbox (message_id, routing_key, body, headers)
                VALUES (p_note_ids[i], p_note_keys[i], v_body,
                        CASE WHEN cardinality(v_riders) > 0
                             THEN p_note_headers[i]
                                  || jsonb_build_object('x-clinrelay-notes', to_jsonb(v_riders))
                             ELSE p_note_headers[i] END);
        END IF;
        IF i < v_events AND p_statuses[i] <> v_status AND v_batch IS NOT NULL THEN
            -- A status change before the last step fires what record_step's update would
            -- (a batch's progress, migration 0020) in the same order. Only a report in a
            -- batch has such a trigger to fire: for the others the last UPDATE says it all.
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
