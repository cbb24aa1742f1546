import Foundation
import GRDB
import InfusionCore

extension ClinicalStore {
    /// Hashes any records the Merkle tree lacks (a database from before the tree existed); returns how many.
    @discardableResult
    public func prepareAuditTree() async throws -> UInt64 {
        try await writer.write { db in try AuditTree.catchUp(db) }
    }

    /// Records that someone read clinical or audit data (IHE Basic Audit Log Patterns: queries and reads are
    /// audited too). The read is answered only after this record has committed (through group commit, so
    /// concurrent reads share one fsync).
    public func recordRead(_ action: String, actor: AuditActor, entity: AuditEntity?, detail: JSONValue, now: Date) async throws {
        _ = try await committer.write { db in
            try AuditLog.append(db, action: action, actor: actor, entity: entity, detail: detail, at: now)
        }
    }

    /// Signs and stores a checkpoint of every record so far. With `onlyIfGrown`, does nothing (and returns nil)
    /// when no record was added since the largest checkpoint.
    @discardableResult
    public func makeCheckpoint(signer: NoteSigner, reason: String, onlyIfGrown: Bool = false, now: Date) async throws -> AuditCheckpoint? {
        try await committer.write { db in
            if onlyIfGrown {
                let records = try AuditLog.count(db)
                guard records > (try AuditCheckpointLog.largestSize(db)) else { return nil }
            }
            return try AuditCheckpointLog.make(db, signer: signer, reason: reason, at: now)
        }
    }

    /// The most recent checkpoint, if any.
    public func latestCheckpoint() async throws -> AuditCheckpoint? {
        try await writer.read { db in try AuditCheckpointLog.latest(db) }
    }

    /// Walks the whole trail against the stored checkpoints, checking their signatures with `trustedKey`.
    public func verifyAudit(trustedKey: NoteVerifier?) async throws -> AuditVerification {
        try await writer.read { db in try AuditLog.verify(db, trustedKey: trustedKey) }
    }

    /// An RFC 6962 consistency proof between two tree sizes, with both roots.
    public func consistencyProof(size1: Int64, size2: Int64) async throws -> AuditConsistencyProof {
        try await writer.read { db in
            let size = Int64(try AuditTree.size(db))
            guard size1 >= 1, size1 <= size2, size2 <= size else {
                throw DomainError(.invalid, code: "audit.badTreeSize", title: "No such tree sizes",
                              detail: "A consistency proof needs 1 ≤ from ≤ to ≤ \(size) (the records so far); got from=\(size1), to=\(size2).")
            }
            let proof = try AuditTree.consistencyProof(db, size1: UInt64(size1), size2: UInt64(size2))
            return AuditConsistencyProof(
                size1: size1, size2: size2, root1: try AuditTree.root(db, size: UInt64(size1)).base64EncodedString(),
                root2: try AuditTree.root(db, size: UInt64(size2)).base64EncodedString(), proof: proof.map { $0.base64EncodedString() })
        }
    }

    /// An RFC 6962 inclusion proof of record `seq` in the tree of `treeSize` records.
    public func inclusionProof(seq: Int64, treeSize: Int64) async throws -> AuditInclusionProof {
        try await writer.read { db in
            let size = Int64(try AuditTree.size(db))
            guard seq >= 1, seq <= treeSize, treeSize <= size else {
                throw DomainError(.invalid, code: "audit.badTreeSize", title: "No such record or tree size",
                              detail: "An inclusion proof needs 1 ≤ seq ≤ size ≤ \(size) (the records so far); got seq=\(seq), size=\(treeSize).")
            }
            let bytes = try Data.fetchOne(db, sql: "SELECT record FROM audit_records WHERE seq = ?", arguments: [seq]) ?? Data()
            let proof = try AuditTree.inclusionProof(db, index: UInt64(seq - 1), size: UInt64(treeSize))
            return AuditInclusionProof(
                seq: seq, treeSize: treeSize, leafHash: RFC6962.leafHash(bytes).base64EncodedString(),
                root: try AuditTree.root(db, size: UInt64(treeSize)).base64EncodedString(), proof: proof.map { $0.base64EncodedString() })
        }
    }

    /// The last daemon lifecycle record (`daemon.start`, `daemon.heartbeat`, `daemon.stop`, …), if any.
    public func lastLifecycleRecord() async throws -> AuditEntry? {
        try await writer.read { db in
            let row = try Row.fetchOne(db, sql: """
                SELECT seq, hash, record FROM audit_records
                WHERE json_extract(CAST(record AS TEXT), '$.action') IN ('daemon.start', 'daemon.heartbeat', 'daemon.stop')
                ORDER BY seq DESC LIMIT 1
                """)
            guard let row else { return nil }
            let bytes: Data = row["record"]
            return AuditEntry(record: try WireJSON.decoder().decode(AuditRecord.self, from: bytes), hash: row["hash"])
        }
    }

    /// Fixes an export's range, records who exports what (the export's own record is the last one exported
    /// when `to` is open), and signs a checkpoint of records 1 … toSeq, all in one transaction.
    public func beginExport(
        format: AuditExportFormat, from: AuditBound?, to: AuditBound?, actor: AuditActor, signer: NoteSigner, now: Date
    ) async throws -> AuditExportPlan {
        try await committer.write { db in
            let last = try AuditLog.count(db)
            let fromSeq = try Self.resolve(db, from, lower: true) ?? 1
            let requestedTo = try Self.resolve(db, to, lower: false)
            let toSeq = min(requestedTo ?? (last + 1), last + 1)
            guard fromSeq <= toSeq else {
                throw DomainError(.invalid, code: "audit.emptyRange", title: "Nothing to export",
                              detail: "No audit record lies between from=\(from?.description ?? "the start") and to=\(to?.description ?? "now") (the trail holds records 1…\(last)); widen the range.")
            }
            try AuditLog.append(db, action: "audit.export", actor: actor, entity: AuditEntity(type: "audit"), detail: [
                "format": .string(format.rawValue), "fromSeq": .number(Double(fromSeq)), "toSeq": .number(Double(toSeq)),
                "from": from.map { .string($0.description) } ?? .null, "to": to.map { .string($0.description) } ?? .null,
            ], at: now)
            let checkpoint = try AuditCheckpointLog.make(db, signer: signer, size: UInt64(toSeq), reason: "export", at: now)
            let prefix = try AuditTree.prefix(db, size: UInt64(fromSeq - 1))
            return AuditExportPlan(fromSeq: fromSeq, toSeq: toSeq, checkpoint: checkpoint, prefix: prefix)
        }
    }

    /// Stored records `fromSeq` … `toSeq`, at most `limit`, oldest first, exactly as stored.
    public func storedAuditRecords(from fromSeq: Int64, through toSeq: Int64, limit: Int) async throws -> [StoredAuditRecord] {
        try await writer.read { db in
            try Row.fetchAll(db, sql: "SELECT seq, hash, record FROM audit_records WHERE seq >= ? AND seq <= ? ORDER BY seq LIMIT ?",
                             arguments: [fromSeq, toSeq, limit])
                .map { StoredAuditRecord(seq: $0["seq"], hash: $0["hash"], bytes: $0["record"]) }
        }
    }

    /// A bound as a seq: a seq as it is; a time as the first record at or after it (`lower`) or the last record
    /// at or before it; nil for an open end.
    static func resolve(_ db: Database, _ bound: AuditBound?, lower: Bool) throws -> Int64? {
        switch bound {
        case nil: return nil
        case .seq(let seq): return seq
        case .time(let date):
            let time = WireJSON.formatTimestamp(date)
            let sql = lower
                ? "SELECT MIN(seq) FROM audit_records WHERE json_extract(CAST(record AS TEXT), '$.time') >= ?"
                : "SELECT MAX(seq) FROM audit_records WHERE json_extract(CAST(record AS TEXT), '$.time') <= ?"
            return try Int64.fetchOne(db, sql: sql, arguments: [time]) ?? (lower ? Int64.max : 0)
        }
    }
}

extension AuditTrailStore {
    /// Streams a planned export in `format`, reading `pageSize` records per read transaction and handing
    /// each encoded page to `write`, so memory stays bounded whatever the export's size; the same for every engine.
    public func streamExport(
        _ plan: AuditExportPlan, format: AuditExportFormat, origin: String, exportedAt: Date, pageSize: Int = 1000,
        write: (Data) async throws -> Void
    ) async throws {
        var encoder = format.encoder(origin: origin, exportedAt: exportedAt)
        try await write(encoder.header())
        var next = plan.fromSeq
        while next <= plan.toSeq {
            let page = try await storedAuditRecords(from: next, through: plan.toSeq, limit: pageSize)
            guard let last = page.last else {
                throw AuditTree.Inconsistency(description: "records \(next)…\(plan.toSeq) vanished during the export; run `infusionctl audit verify`")
            }
            var chunk = Data()
            for record in page { chunk.append(try encoder.encode(record)) }
            try await write(chunk)
            next = last.seq + 1
        }
        try await write(encoder.footer())
    }
}
