-- 0001_initial: sessions, the append-only clinical log (events, decisions), alerts and the audit trail.
-- Shipped migrations are never edited; later changes are new files.

CREATE TABLE sessions (
    id            TEXT PRIMARY KEY NOT NULL,
    patient_id    TEXT NOT NULL,
    drug          TEXT NOT NULL CHECK (drug IN ('lidocaine', 'ketamine')),
    state         TEXT NOT NULL CHECK (state IN ('running', 'paused', 'stopped', 'ended', 'closed')),
    started_at    TEXT NOT NULL,
    updated_at    TEXT NOT NULL,
    rule_set_hash TEXT NOT NULL,
    -- The whole session as JSON (InfusionCore.Session); the columns above are for queries.
    document      TEXT NOT NULL
);
CREATE INDEX sessions_by_state ON sessions (state, started_at);
CREATE INDEX sessions_by_patient ON sessions (patient_id);

-- Clinical events: session starts, observations and actions, exactly as they were accepted.
CREATE TABLE events (
    id          TEXT PRIMARY KEY NOT NULL,
    session_id  TEXT NOT NULL REFERENCES sessions (id),
    sequence    INTEGER NOT NULL,
    kind        TEXT NOT NULL CHECK (kind IN ('start', 'observation', 'action')),
    recorded_at TEXT NOT NULL,
    occurred_at TEXT NOT NULL,
    recorded_by TEXT NOT NULL,
    -- The request in canonical JSON (sorted keys); a retry with the same id must match it byte for byte.
    body        TEXT NOT NULL,
    -- The answer that was sent, returned again for an idempotent retry.
    response    TEXT NOT NULL,
    UNIQUE (session_id, sequence)
);

-- Each rule decision, with its inputs, thresholds, reason and the rule-set hash (the document).
CREATE TABLE decisions (
    id            INTEGER PRIMARY KEY AUTOINCREMENT,
    session_id    TEXT NOT NULL REFERENCES sessions (id),
    -- Deferred: a request's decisions are written before its event row, which carries the final answer.
    event_id      TEXT NOT NULL REFERENCES events (id) DEFERRABLE INITIALLY DEFERRED,
    decided_at    TEXT NOT NULL,
    rule_id       TEXT NOT NULL,
    action        TEXT NOT NULL CHECK (action IN ('alert', 'review', 'pause', 'stop')),
    priority      TEXT NOT NULL CHECK (priority IN ('low', 'medium', 'high')),
    rule_set_hash TEXT NOT NULL,
    document      TEXT NOT NULL
);
CREATE INDEX decisions_by_session ON decisions (session_id, id);
CREATE INDEX decisions_by_event ON decisions (event_id);

-- Alerts change state (active → acknowledged → resolved); every change is also an audit record.
CREATE TABLE alerts (
    id               INTEGER PRIMARY KEY AUTOINCREMENT,
    session_id       TEXT NOT NULL REFERENCES sessions (id),
    rule_id          TEXT NOT NULL,
    priority         TEXT NOT NULL CHECK (priority IN ('low', 'medium', 'high')),
    state            TEXT NOT NULL CHECK (state IN ('active', 'acknowledged', 'resolved')),
    latched          INTEGER NOT NULL CHECK (latched IN (0, 1)),
    reason           TEXT NOT NULL,
    guidance         TEXT,
    raised_at        TEXT NOT NULL,
    updated_at       TEXT NOT NULL,
    acknowledged_by  TEXT,
    acknowledged_at  TEXT,
    note             TEXT,
    resolved_at      TEXT,
    escalation_level INTEGER NOT NULL DEFAULT 0,
    decision_id      INTEGER REFERENCES decisions (id)
);
-- One alert per condition while it is unresolved (alarm-fatigue guidance, CLINICAL §7).
CREATE UNIQUE INDEX alerts_one_per_condition ON alerts (session_id, rule_id) WHERE state != 'resolved';
CREATE INDEX alerts_by_state ON alerts (state, id);

-- The audit trail: each record is the exact JSON bytes that are hashed (SPEC §6).
CREATE TABLE audit_records (
    seq    INTEGER PRIMARY KEY NOT NULL,
    hash   TEXT NOT NULL,
    record BLOB NOT NULL
);

-- Append-only: corrections are new records, never edits.
CREATE TRIGGER events_no_update BEFORE UPDATE ON events
BEGIN SELECT RAISE(ABORT, 'events are append-only: record a correction as a new event'); END;
CREATE TRIGGER events_no_delete BEFORE DELETE ON events
BEGIN SELECT RAISE(ABORT, 'events are append-only: record a correction as a new event'); END;
CREATE TRIGGER decisions_no_update BEFORE UPDATE ON decisions
BEGIN SELECT RAISE(ABORT, 'decisions are append-only'); END;
CREATE TRIGGER decisions_no_delete BEFORE DELETE ON decisions
BEGIN SELECT RAISE(ABORT, 'decisions are append-only'); END;
CREATE TRIGGER audit_records_no_update BEFORE UPDATE ON audit_records
BEGIN SELECT RAISE(ABORT, 'the audit trail is append-only'); END;
CREATE TRIGGER audit_records_no_delete BEFORE DELETE ON audit_records
BEGIN SELECT RAISE(ABORT, 'the audit trail is append-only'); END;
