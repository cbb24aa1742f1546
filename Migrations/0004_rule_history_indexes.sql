-- 0004_rule_history_indexes: let every observation read the part of its session's log that the rules need
-- without reading every stored body. Without them the history query parsed the JSON of each earlier observation
-- of the session on every request, so its cost grew with the session's length.
-- Shipped migrations are never edited; later changes are new files.

-- Events other than plain observations: starts, actions, daemon events and observations that recorded at least
-- one symptom. The WHERE text must stay the same as the history query's, or SQLite will not use the index.
CREATE INDEX events_rule_history ON events (session_id, sequence)
    WHERE kind != 'observation' OR json_array_length(body, '$.symptoms') > 0;

-- Observations by bedside time, for the artefact-confirmation window of monitor-feed readings.
CREATE INDEX events_by_occurrence ON events (session_id, occurred_at);
