-- A row the broker refuses (returned as unroutable, or nacked) is held back with a growing delay
-- instead of failing its whole batch again and again; after too many refusals the relay parks it
-- in dead_letters (stage 'relay') and deletes it here.
ALTER TABLE outbox
    ADD COLUMN refusals      integer NOT NULL DEFAULT 0,
    ADD COLUMN not_before    timestamptz,
    ADD COLUMN last_refusal  text;
