import Foundation
import GRDB
import InfusionCore

/// Signed checkpoints of the audit tree, kept in `audit_checkpoints`.
public enum AuditCheckpointLog {
    /// Signs and stores a checkpoint of the first `size` records (all of them when nil) in the caller's
    /// transaction, and returns it.
    @discardableResult
    public static func make(_ db: Database, signer: NoteSigner, size: UInt64? = nil, reason: String, at time: Date) throws -> AuditCheckpoint {
        try AuditTree.catchUp(db)
        let treeSize = try size ?? AuditTree.size(db)
        let checkpoint = Checkpoint(origin: signer.name, size: treeSize, rootHash: try AuditTree.root(db, size: treeSize))
        let note = try signer.sign(checkpoint.text)
        let createdAt = WireJSON.formatTimestamp(time)
        let rootHash = checkpoint.rootHash.base64EncodedString()
        let verifierKey = signer.verifier.verifierKey
        try db.execute(
            sql: "INSERT INTO audit_checkpoints (created_at, reason, tree_size, root_hash, note, verifier_key) VALUES (?, ?, ?, ?, ?, ?)",
            arguments: [createdAt, reason, Int64(treeSize), rootHash, note, verifierKey])
        return AuditCheckpoint(id: db.lastInsertedRowID, createdAt: createdAt, reason: reason, treeSize: Int64(treeSize),
                               rootHash: rootHash, note: note, verifierKey: verifierKey)
    }

    /// The most recently made checkpoint, if any.
    public static func latest(_ db: Database) throws -> AuditCheckpoint? {
        try Row.fetchOne(db, sql: "SELECT * FROM audit_checkpoints ORDER BY id DESC LIMIT 1").map(checkpoint)
    }

    /// The largest tree size any checkpoint covers (0 when there is none).
    public static func largestSize(_ db: Database) throws -> Int64 {
        try Int64.fetchOne(db, sql: "SELECT COALESCE(MAX(tree_size), 0) FROM audit_checkpoints") ?? 0
    }

    /// Every checkpoint, oldest first.
    public static func all(_ db: Database) throws -> [AuditCheckpoint] {
        guard try db.tableExists("audit_checkpoints") else { return [] }
        return try Row.fetchAll(db, sql: "SELECT * FROM audit_checkpoints ORDER BY id").map(checkpoint)
    }

    private static func checkpoint(_ row: Row) -> AuditCheckpoint {
        AuditCheckpoint(id: row["id"], createdAt: row["created_at"], reason: row["reason"], treeSize: row["tree_size"],
                        rootHash: row["root_hash"], note: row["note"], verifierKey: row["verifier_key"])
    }
}
