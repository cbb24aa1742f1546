import Foundation
import GRDB
import InfusionCore

/// What a restored database file says about its audit trail before it is put in place: its head and the key that
/// signed its checkpoints. Read-only.
public struct RestoredTrail: Sendable, Hashable {
    /// One audit record's place in the trail.
    public struct Head: Sendable, Hashable {
        public var seq: Int64
        public var hash: String
        /// The record's own time (RFC 3339).
        public var time: String
    }

    /// The last audit record, or nil for an empty trail.
    public var head: Head?
    /// The C2SP verifier key of the newest stored checkpoint's signer, or nil when the trail has no checkpoint.
    public var verifierKey: String?
    /// The newest stored checkpoint's tree size.
    public var checkpointTreeSize: Int64?

    /// Reads a database file (which the caller has checked) without changing it.
    public static func read(path: String) throws -> RestoredTrail {
        var configuration = Configuration()
        configuration.readonly = true
        let queue = try DatabaseQueue(path: path, configuration: configuration)
        defer { try? queue.close() }
        return try queue.read { db in
            var trail = RestoredTrail()
            if let row = try Row.fetchOne(db, sql: "SELECT seq, hash, record FROM audit_records ORDER BY seq DESC LIMIT 1") {
                let bytes: Data = row["record"]
                trail.head = Head(seq: row["seq"], hash: row["hash"], time: try WireJSON.decoder().decode(AuditRecord.self, from: bytes).time)
            }
            if try db.tableExists("audit_checkpoints"),
               let row = try Row.fetchOne(db, sql: "SELECT verifier_key, tree_size FROM audit_checkpoints ORDER BY tree_size DESC, id DESC LIMIT 1") {
                trail.verifierKey = row["verifier_key"]
                trail.checkpointTreeSize = row["tree_size"]
            }
            return trail
        }
    }

    /// The head as it goes into the `database.restore` record.
    public var headJSON: JSONValue {
        guard let head else { return .null }
        return ["seq": .number(Double(head.seq)), "hash": .string(head.hash), "time": .string(head.time)]
    }
}
