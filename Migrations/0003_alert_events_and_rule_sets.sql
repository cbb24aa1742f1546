-- 0003_alert_events_and_rule_sets: the alert event log behind the live alert stream, the profile texts by
-- rule-set hash for replay, and events the daemon records itself.
-- Shipped migrations are never edited; later changes are new files.

-- Every alert change (raised, escalated, acknowledged, resolved) with the alert as it stood after it, written in
-- the transaction that made the change. The id is the Server-Sent Events id of GET /v1/alerts/stream, so a client
-- that reconnects with Last-Event-ID resumes exactly where it stopped, across daemon restarts too.
CREATE TABLE alert_events (
    id         INTEGER PRIMARY KEY AUTOINCREMENT,
    alert_id   INTEGER NOT NULL REFERENCES alerts (id),
    session_id TEXT NOT NULL REFERENCES sessions (id),
    kind       TEXT NOT NULL CHECK (kind IN ('raised', 'escalated', 'acknowledged', 'resolved')),
    at         TEXT NOT NULL,
    -- The alert after the change (InfusionCore.Alert as JSON).
    document   TEXT NOT NULL
);
CREATE INDEX alert_events_by_alert ON alert_events (alert_id, id);

-- The profile files of every rule set the daemon ran with, by the hash recorded with each decision, so a replay
-- re-runs a session with exactly the rules that decided it.
CREATE TABLE rule_sets (
    hash      TEXT PRIMARY KEY NOT NULL,
    -- JSON array of {name, contents}: each file's base name and its exact text, in hashing order.
    files     TEXT NOT NULL,
    stored_at TEXT NOT NULL
);

-- When each rule set came into force (at start and on every reload), so a replay knows which rules applied to an
-- event that led to no decision.
CREATE TABLE rule_set_loads (
    id        INTEGER PRIMARY KEY AUTOINCREMENT,
    hash      TEXT NOT NULL REFERENCES rule_sets (hash),
    loaded_at TEXT NOT NULL,
    reason    TEXT NOT NULL CHECK (reason IN ('start', 'reload'))
);

-- Events gain the kinds the daemon records on its own: 'timer' (the observation-schedule timer's L20/L21
-- decisions) and 'system' (clock-driven rule evaluations and stops caused by another session). SQLite cannot
-- change a CHECK constraint in place, so the table is rebuilt with the same columns, rows and triggers (the
-- migrator turns foreign keys off while it runs and checks them afterwards).
CREATE TABLE events_new (
    id          TEXT PRIMARY KEY NOT NULL,
    session_id  TEXT NOT NULL REFERENCES sessions (id),
    sequence    INTEGER NOT NULL,
    kind        TEXT NOT NULL CHECK (kind IN ('start', 'observation', 'action', 'timer', 'system')),
    recorded_at TEXT NOT NULL,
    occurred_at TEXT NOT NULL,
    recorded_by TEXT NOT NULL,
    body        TEXT NOT NULL,
    response    TEXT NOT NULL,
    UNIQUE (session_id, sequence)
);
INSERT INTO events_new (id, session_id, sequence, kind, recorded_at, occurred_at, recorded_by, body, response)
    SELECT id, session_id, sequence, kind, recorded_at, occurred_at, recorded_by, body, response FROM events;
DROP TABLE events;
ALTER TABLE events_new RENAME TO events;

CREATE TRIGGER events_no_update BEFORE UPDATE ON events
BEGIN SELECT RAISE(ABORT, 'events are append-only: record a correction as a new event'); END;
CREATE TRIGGER events_no_delete BEFORE DELETE ON events
BEGIN SELECT RAISE(ABORT, 'events are append-only: record a correction as a new event'); END;
CREATE TRIGGER alert_events_no_update BEFORE UPDATE ON alert_events
BEGIN SELECT RAISE(ABORT, 'alert events are append-only'); END;
CREATE TRIGGER alert_events_no_delete BEFORE DELETE ON alert_events
BEGIN SELECT RAISE(ABORT, 'alert events are append-only'); END;
CREATE TRIGGER rule_sets_no_update BEFORE UPDATE ON rule_sets
BEGIN SELECT RAISE(ABORT, 'stored rule sets are append-only'); END;
CREATE TRIGGER rule_sets_no_delete BEFORE DELETE ON rule_sets
BEGIN SELECT RAISE(ABORT, 'stored rule sets are append-only'); END;
CREATE TRIGGER rule_set_loads_no_update BEFORE UPDATE ON rule_set_loads
BEGIN SELECT RAISE(ABORT, 'rule-set loads are append-only'); END;
CREATE TRIGGER rule_set_loads_no_delete BEFORE DELETE ON rule_set_loads
BEGIN SELECT RAISE(ABORT, 'rule-set loads are append-only'); END;
