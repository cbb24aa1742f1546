-- 0002_audit_checkpoints: the RFC 6962 Merkle tree over the audit records, and the signed checkpoints of it.
-- Shipped migrations are never edited; later changes are new files.

-- Every complete (perfect) subtree of the Merkle tree: level 0 holds the leaf hashes SHA-256(0x00 || record
-- bytes) at idx = seq - 1; level L, idx i holds the root of leaves [i·2^L, (i+1)·2^L). A node is written once,
-- in the same transaction as the record that completes it, so any root, inclusion or consistency proof is a
-- handful of lookups. The tree is an index over audit_records: verifiers recompute it from the records.
CREATE TABLE audit_tree (
    level INTEGER NOT NULL CHECK (level >= 0 AND level < 64),
    idx   INTEGER NOT NULL CHECK (idx >= 0),
    hash  BLOB NOT NULL CHECK (length(hash) = 32),
    PRIMARY KEY (level, idx)
) WITHOUT ROWID;

-- Signed checkpoints (C2SP tlog-checkpoint as a C2SP signed-note, Ed25519): periodic, at start and shutdown,
-- and one for every export.
CREATE TABLE audit_checkpoints (
    id           INTEGER PRIMARY KEY AUTOINCREMENT,
    created_at   TEXT NOT NULL,
    reason       TEXT NOT NULL CHECK (reason IN ('start', 'periodic', 'shutdown', 'export', 'request')),
    tree_size    INTEGER NOT NULL CHECK (tree_size >= 0),
    -- Standard base64 of the 32-byte RFC 6962 root, exactly as on the note's third line.
    root_hash    TEXT NOT NULL,
    -- The whole signed note, byte for byte.
    note         TEXT NOT NULL,
    -- The C2SP verifier key (name+keyid+base64 key) of the key that signed it.
    verifier_key TEXT NOT NULL
);
CREATE INDEX audit_checkpoints_by_size ON audit_checkpoints (tree_size, id);

CREATE TRIGGER audit_tree_no_update BEFORE UPDATE ON audit_tree
BEGIN SELECT RAISE(ABORT, 'the audit Merkle tree is append-only'); END;
CREATE TRIGGER audit_tree_no_delete BEFORE DELETE ON audit_tree
BEGIN SELECT RAISE(ABORT, 'the audit Merkle tree is append-only'); END;
CREATE TRIGGER audit_checkpoints_no_update BEFORE UPDATE ON audit_checkpoints
BEGIN SELECT RAISE(ABORT, 'audit checkpoints are append-only'); END;
CREATE TRIGGER audit_checkpoints_no_delete BEFORE DELETE ON audit_checkpoints
BEGIN SELECT RAISE(ABORT, 'audit checkpoints are append-only'); END;
