-- 0006_event_history_columns: the rule history gets columns of its own, so that loading an open session's
-- snapshot no longer reads the session's state out of each stored API answer or the symptoms out of each body.
-- From this version on the daemon writes both columns from what its clinical step decided; the backfill below
-- converts what earlier versions stored, once, by the definition those versions used.
-- Shipped migrations are never edited; later changes are new files.

-- The session's state after the event.
ALTER TABLE events ADD COLUMN state_after TEXT
    CHECK (state_after IS NULL OR state_after IN ('running', 'paused', 'stopped', 'ended', 'closed'));
-- 1 when every rule evaluation reads the event (anything but a plain observation: an observation that recorded a
-- symptom, or whose decisions paused or stopped the session, counts too); 0 for a plain observation, which only
-- the artefact-confirmation window reads.
ALTER TABLE events ADD COLUMN rule_entry INTEGER NOT NULL DEFAULT 1 CHECK (rule_entry IN (0, 1));
-- 1 when a decision taken on the event stopped the session (the observation schedule ends there).
ALTER TABLE events ADD COLUMN stopped INTEGER NOT NULL DEFAULT 0 CHECK (stopped IN (0, 1));

-- Events are append-only; the trigger is lifted only for this one conversion.
DROP TRIGGER events_no_update;
UPDATE events SET
    state_after = json_extract(response, '$.session.state'),
    rule_entry = (kind != 'observation'
                  OR IFNULL(json_array_length(body, '$.symptoms'), 0) > 0
                  OR id IN (SELECT event_id FROM decisions WHERE action IN ('pause', 'stop'))),
    stopped = (id IN (SELECT event_id FROM decisions WHERE action = 'stop'));
CREATE TRIGGER events_no_update BEFORE UPDATE ON events
BEGIN SELECT RAISE(ABORT, 'events are append-only: record a correction as a new event'); END;

DROP INDEX events_rule_history;
CREATE INDEX events_rule_entries ON events (session_id, sequence) WHERE rule_entry = 1;
