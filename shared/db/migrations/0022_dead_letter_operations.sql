-- Dead-letter operations: a class for each parked error, who replayed or discarded what and why,
-- and an append-only record of every such action.

ALTER TABLE dead_letters
    ADD COLUMN error_class        text NOT NULL DEFAULT 'stage_error',
    ADD COLUMN replayed_by        text,
    ADD COLUMN replay_message_id  uuid,
    ADD COLUMN discarded_at       timestamptz,
    ADD COLUMN discarded_by       text,
    ADD COLUMN discard_reason     text;

-- What was parked before classes existed: the class follows from the reason.
UPDATE dead_letters SET error_class = CASE reason
    WHEN 'delivery_limit' THEN 'worker_lost'
    WHEN 'undecodable' THEN 'undecodable'
    ELSE 'stage_error' END;

CREATE INDEX dead_letters_parked ON dead_letters (parked_at DESC, id DESC);
CREATE INDEX dead_letters_report ON dead_letters (report_id);

CREATE TABLE dead_letter_actions (
    id              bigserial PRIMARY KEY,
    dead_letter_id  uuid NOT NULL REFERENCES dead_letters(id) ON DELETE CASCADE,
    action          text NOT NULL CHECK (action IN ('replayed', 'discarded')),
    actor           text NOT NULL,                 -- role:key-prefix of the key that did it
    actor_tenant    uuid,
    reason          text,
    at              timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX dead_letter_actions_letter ON dead_letter_actions (dead_letter_id, id);

CREATE FUNCTION dead_letter_actions_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION 'dead_letter_actions is append-only';
END $$;
CREATE TRIGGER dead_letter_actions_no_update BEFORE UPDATE ON dead_letter_actions
    FOR EACH ROW EXECUTE FUNCTION dead_letter_actions_append_only();
