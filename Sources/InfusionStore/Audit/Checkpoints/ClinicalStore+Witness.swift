import Foundation
import GRDB
import InfusionCore

/// The audit witness at start: whether this database continues the trail the key last signed, and the records
/// that say when it does not.
extension ClinicalStore {
    /// The actions that record a fork of the trail; verification reports each (``AuditTrailVerifier``).
    public static let forkActions: Set<String> = ["database.restore", "audit.forkConfirmed"]

    /// How the trail stands against the witness note (nil: no witness file).
    public func auditWitnessFinding(note: String?, verifier: NoteVerifier) async throws -> AuditWitness.Finding {
        try await writer.read { db in try AuditWitness.compare(db, note: note, verifier: verifier) }
    }

    /// The newest record that tells how the previous run ended: a lifecycle record (`daemon.start`,
    /// `daemon.heartbeat`, `daemon.stop`) or a fork record (`database.restore`, `audit.forkConfirmed`) after it.
    public func lastRunBoundary() async throws -> AuditEntry? {
        try await writer.read { db in
            let row = try Row.fetchOne(db, sql: """
                SELECT seq, hash, record FROM audit_records
                WHERE json_extract(CAST(record AS TEXT), '$.action') IN
                    ('daemon.start', 'daemon.heartbeat', 'daemon.stop', 'database.restore', 'audit.forkConfirmed')
                ORDER BY seq DESC LIMIT 1
                """)
            guard let row else { return nil }
            let bytes: Data = row["record"]
            return AuditEntry(record: try WireJSON.decoder().decode(AuditRecord.self, from: bytes), hash: row["hash"])
        }
    }

    /// The facts of a fork for its audit record: the finding, the witness checkpoint (with its signed note, so
    /// the evidence stays checkable) and this trail's head.
    static func forkDetail(_ db: Database, finding: AuditWitness.Finding, note: String?, witnessPath: String) throws -> [String: JSONValue] {
        let head = try Row.fetchOne(db, sql: "SELECT seq, hash FROM audit_records ORDER BY seq DESC LIMIT 1")
        var witness: JSONValue = .null
        switch finding {
        case .behind(let checkpoint, _), .diverged(let checkpoint, _), .consistent(let checkpoint):
            witness = ["treeSize": .number(Double(checkpoint.size)), "rootHash": .string(checkpoint.rootHash.base64EncodedString()),
                       "note": note.map(JSONValue.string) ?? .null]
        case .none, .unreadable:
            witness = ["note": note.map { .string(String($0.prefix(4096))) } ?? .null]
        }
        return [
            "finding": .string(finding.name), "explanation": .string(finding.explanation),
            "witnessPath": .string(witnessPath), "witness": witness,
            "databaseTreeSize": .number(Double(try AuditTree.size(db))),
            "databaseHead": head.map { ["seq": .number(Double($0["seq"] as Int64)), "hash": .string($0["hash"])] } ?? .null,
        ]
    }

    /// Records `audit.forkDetected` for a start that is refused, unless the newest record already says the same
    /// (a unit restarting the daemon would otherwise add one per attempt). Returns whether a record was added.
    @discardableResult
    public func recordForkDetected(_ finding: AuditWitness.Finding, note: String?, witnessPath: String, now: Date) async throws -> Bool {
        try await committer.write { db in
            let detail = try Self.forkDetail(db, finding: finding, note: note, witnessPath: witnessPath)
            if let last = try Data.fetchOne(db, sql: "SELECT record FROM audit_records ORDER BY seq DESC LIMIT 1"),
               let record = try? WireJSON.decoder().decode(AuditRecord.self, from: last),
               record.action == "audit.forkDetected", case .object(let previous) = record.detail,
               previous["witness"] == detail["witness"], previous["finding"] == detail["finding"] {
                return false
            }
            var fields = detail
            fields["remedy"] = "If the database was restored or replaced on purpose, start once with `infusiond serve --confirm-restore`; otherwise find out what happened to it first (docs/OPERATIONS.md, Backup and restore)."
            try AuditLog.append(db, action: "audit.forkDetected", outcome: "refused", actor: .daemon,
                                entity: AuditEntity(type: "audit"), detail: .object(fields), at: now)
            return true
        }
    }

    /// Records `audit.forkConfirmed` for a start an operator confirmed on a database behind the witness, and
    /// signs a checkpoint of the trail that now continues, all in one transaction. Returns that checkpoint.
    public func recordForkConfirmed(
        _ finding: AuditWitness.Finding, note: String?, witnessPath: String, confirmedBy: AuditActor, signer: NoteSigner, now: Date
    ) async throws -> AuditCheckpoint {
        try await committer.write { db in
            var fields = try Self.forkDetail(db, finding: finding, note: note, witnessPath: witnessPath)
            fields["confirmedBy"] = ["uid": confirmedBy.uid.map { .number(Double($0)) } ?? .null,
                                     "pid": confirmedBy.pid.map { .number(Double($0)) } ?? .null]
            try AuditLog.append(db, action: "audit.forkConfirmed", actor: confirmedBy,
                                entity: AuditEntity(type: "audit"), detail: .object(fields), at: now)
            // A start checkpoint (the table allows a fixed set of reasons); the record before it says why.
            return try AuditCheckpointLog.make(db, signer: signer, reason: "start", at: now)
        }
    }
}
