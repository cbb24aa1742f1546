-- 0007_hl7_messages: every HL7 v2 message an allow-listed sender delivered over MLLP (docs/HL7.md).
-- Shipped migrations are never edited; later changes are new files.

-- One row per idempotency key (MSH-3, MSH-4, MSH-10; senders reuse MSH-10, so the sender is part of the key).
-- The row is written, and committed, when the message arrives and before anything it says is stored, so a resend
-- after a crash finds it and takes the readings again with the same receipt time (their event ids are derived from
-- the key, so what had committed is answered again and stored once). `ack_text` is written in the transaction
-- that closes the message; a resend with the same bytes is then answered with it and stores nothing, and a resend
-- with other bytes under the same key is refused (AE 205) and audited without touching the row.
CREATE TABLE hl7_messages (
    id                   INTEGER PRIMARY KEY AUTOINCREMENT,
    sending_application  TEXT NOT NULL,
    sending_facility     TEXT NOT NULL,
    control_id           TEXT NOT NULL,
    -- Lower-case hex SHA-256 of the message bytes between the MLLP framing.
    sha256               TEXT NOT NULL,
    -- The message as the device said it (decoded with its MSH-18 character set; segments end in CR).
    raw_text             TEXT NOT NULL,
    message_type         TEXT NOT NULL,
    -- The station identity of the matching hl7.senders entry.
    station              TEXT NOT NULL,
    peer                 TEXT NOT NULL,
    received_at          TEXT NOT NULL,
    -- 'received' until the answer is decided, then 'answered' (ack_text NULL when MSH-15/16 ask for none).
    status               TEXT NOT NULL CHECK (status IN ('received', 'answered')),
    ack_code             TEXT,
    ack_text             TEXT,
    ack_charset          TEXT,
    answered_at          TEXT,
    -- What the message led to: session event ids, alarms recorded without clinical action, dropped rows (JSON).
    outcome              TEXT,
    UNIQUE (sending_application, sending_facility, control_id)
);
