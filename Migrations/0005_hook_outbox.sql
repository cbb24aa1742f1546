-- 0005_hook_outbox: notices for the hook commands (hooks.onAlert, hooks.onStop) that have not been delivered yet.
-- Shipped migrations are never edited; later changes are new files.

-- One row per notice a configured hook still has to receive, written in the transaction that recorded the alert
-- change or the stop/pause, so a notice exists exactly when its change committed and survives SIGKILL and restart.
-- A row is deleted in the transaction that audits its delivery (hook.deliver) or final give-up (hook.giveUp), so
-- the table only ever holds what is pending. Each hook's rows are delivered in id order.
CREATE TABLE hook_outbox (
    id          INTEGER PRIMARY KEY AUTOINCREMENT,
    hook        TEXT NOT NULL CHECK (hook IN ('onAlert', 'onStop')),
    -- Stable across retries and restarts ("alert-event-<alert event id>", "stop-<audit seq>"), so the receiver can
    -- count each notice once however often it arrives.
    delivery_id TEXT NOT NULL,
    created_at  TEXT NOT NULL,
    -- The JSON document the hook receives on its standard input.
    payload     TEXT NOT NULL,
    -- Failed runs so far (a run cut short by a shutdown does not count).
    attempts    INTEGER NOT NULL DEFAULT 0,
    last_result TEXT,
    UNIQUE (hook, delivery_id)
);
CREATE INDEX hook_outbox_by_hook ON hook_outbox (hook, id);
