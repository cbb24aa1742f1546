import Crypto
import Foundation
import GRDB
import InfusionCore

/// The hash-chained audit trail (SPEC §6). Appends happen inside the caller's write transaction, so a record
/// commits together with the change it describes.
public enum AuditLog {
    /// Appends one record after the current last one and returns it with its hash.
    @discardableResult
    public static func append(
        _ db: Database, action: String, outcome: String = "success", actor: AuditActor, entity: AuditEntity?,
        detail: JSONValue, at time: Date
    ) throws -> AuditEntry {
        let last = try Row.fetchOne(try db.cachedStatement(sql: "SELECT seq, hash FROM audit_records ORDER BY seq DESC LIMIT 1"))
        let seq: Int64 = (last?["seq"] ?? 0) + 1
        let prevHash: String = last?["hash"] ?? AuditRecord.genesisHash
        let record = AuditRecord(
            seq: seq, time: WireJSON.formatTimestamp(time), action: action, outcome: outcome, actor: actor,
            entity: entity, detail: detail, prevHash: prevHash)
        let bytes = try WireJSON.encode(record)
        let hash = hexSHA256(bytes)
        try AuditTree.appendRecord(db, seq: seq, bytes: bytes)
        try db.cachedStatement(sql: "INSERT INTO audit_records (seq, hash, record) VALUES (?, ?, ?)")
            .execute(arguments: [seq, hash, bytes])
        return AuditEntry(record: record, hash: hash)
    }

    /// Hex SHA-256 of some bytes.
    public static func hexSHA256(_ bytes: Data) -> String {
        SHA256.hash(data: bytes).lowercaseHex
    }

    /// Records after `after`, oldest first, at most `limit`.
    public static func page(_ db: Database, after: Int64, limit: Int) throws -> AuditPage {
        let rows = try Row.fetchAll(
            db, sql: "SELECT seq, hash, record FROM audit_records WHERE seq > ? ORDER BY seq LIMIT ?",
            arguments: [after, limit + 1])
        let entries = try rows.prefix(limit).map { row in
            let bytes: Data = row["record"]
            return AuditEntry(record: try WireJSON.decoder().decode(AuditRecord.self, from: bytes), hash: row["hash"])
        }
        return AuditPage(records: entries, nextAfter: rows.count > limit ? entries.last?.record.seq : nil)
    }

    /// The number of records and the last seq.
    public static func count(_ db: Database) throws -> Int64 {
        try Int64.fetchOne(db, sql: "SELECT COALESCE(MAX(seq), 0) FROM audit_records") ?? 0
    }

    /// Walks the whole trail: each record's bytes must hash to its stored hash and to its stored Merkle leaf,
    /// parse, carry the next seq without gaps and name the previous record's hash; the records must reproduce
    /// the root of every stored checkpoint (whose signatures must verify with `trustedKey`, or with the key
    /// stored beside each when none is given) and of every `earlier` checkpoint an auditor kept. Stops at the
    /// first bad record and says why. `progress` is called every 10,000 records with the count so far.
    public static func verify(
        _ db: Database, trustedKey: NoteVerifier? = nil, earlier: [(checkpoint: Checkpoint, label: String)] = [],
        progress: (@Sendable (Int64) -> Void)? = nil
    ) throws -> AuditVerification {
        var verifier = AuditTrailVerifier()
        for stored in try AuditCheckpointLog.all(db) {
            let label = "checkpoint \(stored.id) (\(stored.reason), \(stored.createdAt))"
            do {
                let key = try trustedKey ?? NoteVerifier(verifierKey: stored.verifierKey)
                let checkpoint = try Checkpoint(signedNote: stored.note, verifier: key)
                verifier.expect(size: checkpoint.size, root: checkpoint.rootHash, label: label)
            } catch {
                return AuditVerification(ok: false, recordsChecked: 0, lastSeq: 0, lastHash: "", firstBadSeq: stored.treeSize,
                                         problem: "\(label) has a bad signature: \(error)", failure: .badSignature)
            }
        }
        for (checkpoint, label) in earlier {
            verifier.expect(size: checkpoint.size, root: checkpoint.rootHash, label: label)
        }
        let hasTree = try db.tableExists("audit_tree")
        let sql = hasTree
            ? "SELECT r.seq, r.hash, r.record, t.hash AS leaf FROM audit_records r LEFT JOIN audit_tree t ON t.level = 0 AND t.idx = r.seq - 1 ORDER BY r.seq"
            : "SELECT seq, hash, record, NULL AS leaf FROM audit_records ORDER BY seq"
        let cursor = try Row.fetchCursor(db, sql: sql)
        while let row = try cursor.next() {
            let bytes: Data = row["record"]
            guard verifier.add(bytes, rowSeq: row["seq"], storedHash: row["hash"], storedLeaf: row["leaf"]) else { break }
            if let progress, verifier.recordsChecked % 10_000 == 0 { progress(verifier.recordsChecked) }
        }
        var result = verifier.finish()
        if result.ok, hasTree {
            let treeSize = try AuditTree.size(db)
            if treeSize > UInt64(result.lastSeq) {
                result = AuditVerification(
                    ok: false, recordsChecked: result.recordsChecked, lastSeq: result.lastSeq, lastHash: result.lastHash,
                    firstBadSeq: result.lastSeq + 1,
                    problem: "the Merkle tree holds \(treeSize) leaves but the trail has \(result.lastSeq) records: records after \(result.lastSeq) were removed (truncated)",
                    failure: .truncated, checkpointsChecked: result.checkpointsChecked)
            }
        }
        return result
    }
}
