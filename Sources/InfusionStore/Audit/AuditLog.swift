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
        let last = try Row.fetchOne(db, sql: "SELECT seq, hash FROM audit_records ORDER BY seq DESC LIMIT 1")
        let seq: Int64 = (last?["seq"] ?? 0) + 1
        let prevHash: String = last?["hash"] ?? AuditRecord.genesisHash
        let record = AuditRecord(
            seq: seq, time: WireJSON.formatTimestamp(time), action: action, outcome: outcome, actor: actor,
            entity: entity, detail: detail, prevHash: prevHash)
        let bytes = try WireJSON.encode(record)
        let hash = hexSHA256(bytes)
        try db.execute(sql: "INSERT INTO audit_records (seq, hash, record) VALUES (?, ?, ?)", arguments: [seq, hash, bytes])
        return AuditEntry(record: record, hash: hash)
    }

    /// Hex SHA-256 of some bytes.
    public static func hexSHA256(_ bytes: Data) -> String {
        SHA256.hash(data: bytes).map { String(format: "%02x", $0) }.joined()
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

    /// Walks the whole chain: each record's bytes must hash to its stored hash, parse, carry the next seq without
    /// gaps, and name the previous record's hash. Stops at the first bad record and says why.
    public static func verify(_ db: Database) throws -> AuditVerification {
        var verifier = AuditChainVerifier()
        let cursor = try Row.fetchCursor(db, sql: "SELECT seq, hash, record FROM audit_records ORDER BY seq")
        while let row = try cursor.next() {
            let bytes: Data = row["record"]
            if let failure = verifier.check(bytes: bytes, rowSeq: row["seq"], storedHash: row["hash"]) {
                return failure
            }
        }
        return verifier.result
    }
}

/// Checks audit records one at a time, in order; shared by the live check and (later) offline export checks.
public struct AuditChainVerifier: Sendable {
    private var expectedSeq: Int64 = 1
    private var previousHash = AuditRecord.genesisHash
    private var checked: Int64 = 0

    public init() {}

    /// Checks the next record; returns a failed verification naming it when something is wrong.
    public mutating func check(bytes: Data, rowSeq: Int64?, storedHash: String?) -> AuditVerification? {
        let seqForReport = rowSeq ?? expectedSeq
        let hash = AuditLog.hexSHA256(bytes)
        func fail(_ problem: String) -> AuditVerification {
            AuditVerification(ok: false, recordsChecked: checked, lastSeq: expectedSeq - 1, lastHash: previousHash,
                              firstBadSeq: seqForReport, problem: problem)
        }
        if let storedHash, storedHash != hash {
            return fail("record \(seqForReport) was edited: its bytes hash to \(hash) but \(storedHash) was stored")
        }
        guard let record = try? WireJSON.decoder().decode(AuditRecord.self, from: bytes) else {
            return fail("record \(seqForReport) is not a valid audit record (its JSON does not parse)")
        }
        if let rowSeq, rowSeq != record.seq {
            return fail("record stored as seq \(rowSeq) says it is seq \(record.seq): edited or moved")
        }
        if record.seq > expectedSeq {
            return fail("records \(expectedSeq)…\(record.seq - 1) are missing before record \(record.seq)")
        }
        if record.seq < expectedSeq {
            return fail("record \(record.seq) appears where \(expectedSeq) was expected: reordered or duplicated")
        }
        if record.prevHash != previousHash {
            return fail("record \(record.seq) does not chain: prevHash \(record.prevHash) but the previous record hashes to \(previousHash) (a record before it was edited, removed or reordered)")
        }
        checked += 1
        expectedSeq += 1
        previousHash = hash
        return nil
    }

    /// The verification so far, when every record checked out.
    public var result: AuditVerification {
        AuditVerification(ok: true, recordsChecked: checked, lastSeq: expectedSeq - 1, lastHash: previousHash)
    }
}
