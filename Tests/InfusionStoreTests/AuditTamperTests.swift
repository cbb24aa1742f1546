import Foundation
import GRDB
import InfusionCore
import InfusionStore
import Testing

/// The tamper list, each caught and named: a record edited in the database file (triggers dropped
/// first), a record deleted, two records swapped, the tail truncated against an earlier checkpoint, an export
/// line edited, and a checkpoint signed with another key; plus the rewritten-chain attack only checkpoints catch.
@Suite("Audit tamper detection: database and export file")
struct AuditTamperTests {
    static let signer = try! NoteSigner(generatingWithName: "ward7.example/infusiond/audit")
    static let now = StoreFixtures.start

    /// A file-free store with `count` records (daemon events) and a checkpoint after the first `checkpointAt`.
    static func store(records count: Int = 30, checkpointAt: Int? = nil) async throws -> ClinicalStore {
        let store = try StoreFixtures.store()
        for index in 1...count {
            try await store.recordDaemonEvent("test.event", detail: ["n": .number(Double(index))], now: now.addingTimeInterval(Double(index)))
            if index == checkpointAt {
                try await store.makeCheckpoint(signer: signer, reason: "periodic", now: now)
            }
        }
        return store
    }

    static func dropTriggers(_ db: Database) throws {
        for trigger in ["audit_records_no_update", "audit_records_no_delete", "audit_tree_no_update", "audit_tree_no_delete",
                        "audit_checkpoints_no_update", "audit_checkpoints_no_delete"] {
            try db.execute(sql: "DROP TRIGGER IF EXISTS \(trigger)")
        }
    }

    static func verify(_ store: ClinicalStore, earlier: [(Checkpoint, String)] = []) async throws -> AuditVerification {
        try await store.database.writer.read { db in
            try AuditLog.verify(db, trustedKey: signer.verifier, earlier: earlier.map { (checkpoint: $0.0, label: $0.1) })
        }
    }

    // MARK: The database

    @Test("an untouched trail verifies against its checkpoints and reports the Merkle root")
    func untouched() async throws {
        let store = try await Self.store(checkpointAt: 20)
        let final = try #require(try await store.makeCheckpoint(signer: Self.signer, reason: "shutdown", now: Self.now))
        let result = try await Self.verify(store)
        #expect(result.ok && result.recordsChecked == 30 && result.checkpointsChecked == 2)
        #expect(result.rootHash == final.rootHash)
    }

    @Test("a record edited in the database file is named as edited")
    func editedInDatabase() async throws {
        let store = try await Self.store()
        try await store.database.writer.write { db in
            try Self.dropTriggers(db)
            try db.execute(sql: "UPDATE audit_records SET record = CAST(REPLACE(CAST(record AS TEXT), '\"n\":12', '\"n\":99') AS BLOB) WHERE seq = 12")
        }
        let result = try await Self.verify(store)
        #expect(!result.ok && result.failure == .edited && result.firstBadSeq == 12)
    }

    @Test("a record rewritten with its chain, hashes and Merkle tree recomputed is caught by the signed checkpoint")
    func rewrittenChain() async throws {
        let store = try await Self.store(checkpointAt: 20)
        try await store.database.writer.write { db in
            try Self.dropTriggers(db)
            var previous = AuditRecord.genesisHash
            let rows = try Row.fetchAll(db, sql: "SELECT seq, record FROM audit_records ORDER BY seq")
            for row in rows {
                var record = try WireJSON.decoder().decode(AuditRecord.self, from: row["record"] as Data)
                if record.seq == 7 { record.outcome = "failure" }
                record.prevHash = previous
                let bytes = try WireJSON.encode(record)
                previous = AuditLog.hexSHA256(bytes)
                try db.execute(sql: "UPDATE audit_records SET record = ?, hash = ? WHERE seq = ?", arguments: [bytes, previous, record.seq])
            }
            try db.execute(sql: "DELETE FROM audit_tree")
            try AuditTree.catchUp(db)
        }
        let result = try await Self.verify(store)
        #expect(!result.ok && result.failure == .edited)
        #expect(result.firstBadSeq == 1)
        #expect(result.problem?.contains("1…19") == true)
        #expect(result.problem?.contains("checkpoint") == true)
    }

    @Test("a deleted record is named as missing")
    func deletedInDatabase() async throws {
        let store = try await Self.store()
        try await store.database.writer.write { db in
            try Self.dropTriggers(db)
            try db.execute(sql: "DELETE FROM audit_records WHERE seq = 9")
        }
        let result = try await Self.verify(store)
        #expect(!result.ok && result.failure == .missing && result.firstBadSeq == 9)
    }

    @Test("two swapped records are named as reordered")
    func swappedInDatabase() async throws {
        let store = try await Self.store()
        try await store.database.writer.write { db in
            try Self.dropTriggers(db)
            try db.execute(sql: """
                UPDATE audit_records SET seq = -1 WHERE seq = 15;
                UPDATE audit_records SET seq = 15 WHERE seq = 16;
                UPDATE audit_records SET seq = 16 WHERE seq = -1;
                """)
        }
        let result = try await Self.verify(store)
        #expect(!result.ok && result.failure == .reordered && result.firstBadSeq == 15)
    }

    @Test("a truncated tail is named against an earlier checkpoint, even when the database's own are gone too")
    func truncatedDatabase() async throws {
        let store = try await Self.store()
        let kept = try #require(try await store.makeCheckpoint(signer: Self.signer, reason: "export", now: Self.now))
        try await store.database.writer.write { db in
            try Self.dropTriggers(db)
            try db.execute(sql: "DELETE FROM audit_records WHERE seq > 25; DELETE FROM audit_checkpoints; DELETE FROM audit_tree WHERE level = 0 AND idx >= 25")
        }
        let earlier = try Checkpoint(signedNote: kept.note, verifier: Self.signer.verifier)
        let result = try await Self.verify(store, earlier: [(earlier, "the auditor's checkpoint")])
        #expect(!result.ok && result.failure == .truncated && result.firstBadSeq == 26)
        #expect(result.problem?.contains("the auditor's checkpoint covers 30 records") == true)
    }

    @Test("a truncated tail is named from the database's own checkpoint or its Merkle tree when those survive")
    func truncatedAgainstStoredEvidence() async throws {
        let store = try await Self.store(checkpointAt: 30)
        try await store.database.writer.write { db in
            try Self.dropTriggers(db)
            try db.execute(sql: "DELETE FROM audit_records WHERE seq > 27")
        }
        let withCheckpoint = try await Self.verify(store)
        #expect(withCheckpoint.failure == .truncated && withCheckpoint.firstBadSeq == 28)

        try await store.database.writer.write { db in try db.execute(sql: "DELETE FROM audit_checkpoints") }
        let withTree = try await Self.verify(store)
        #expect(withTree.failure == .truncated && withTree.firstBadSeq == 28)
    }

    @Test("a checkpoint signed with another key is named as a bad signature")
    func foreignCheckpointInDatabase() async throws {
        let store = try await Self.store()
        let impostor = try NoteSigner(generatingWithName: Self.signer.name)
        try await store.makeCheckpoint(signer: impostor, reason: "periodic", now: Self.now)
        let result = try await Self.verify(store)
        #expect(!result.ok && result.failure == .badSignature)
        // Checked against the key stored beside it, the same checkpoint is consistent; only the trusted key tells.
        let selfConsistent = try await store.database.writer.read { db in try AuditLog.verify(db) }
        #expect(selfConsistent.ok)
    }

    // MARK: An export file

    struct Exported {
        var path: String
        var plan: AuditExportPlan
        var lines: [Data] {
            get throws { try Data(contentsOf: URL(fileURLWithPath: path)).split(separator: 0x0A, omittingEmptySubsequences: false).dropLast().map { Data($0) } }
        }
        func write(_ lines: [Data]) throws {
            try lines.reduce(Data()) { $0 + $1 + Data([0x0A]) }.write(to: URL(fileURLWithPath: path))
        }
        func verify(previous: String? = nil, checkpoint: String? = nil, key: NoteVerifier = AuditTamperTests.signer.verifier) throws -> AuditVerification {
            let prefix = plan.fromSeq > 1 ? try AuditPrefixFile.parse(plan.prefixText) : nil
            return try AuditFileVerifier.verify(file: path, checkpoint: checkpoint ?? plan.checkpoint.note, trustedKey: key,
                                                previous: previous, prefix: prefix)
        }
    }

    static func export(_ store: ClinicalStore, from: AuditBound? = nil, to: AuditBound? = nil) async throws -> Exported {
        let plan = try await store.beginExport(format: .jsonl, from: from, to: to, actor: StoreFixtures.nurse, signer: signer, now: now)
        let path = try StoreFixtures.temporaryFolder() + "/audit.jsonl"
        _ = FileManager.default.createFile(atPath: path, contents: nil)
        let handle = try FileHandle(forWritingTo: URL(fileURLWithPath: path))
        try await store.streamExport(plan, format: .jsonl, origin: signer.name, exportedAt: now, pageSize: 7) { try handle.write(contentsOf: $0) }
        try handle.close()
        return Exported(path: path, plan: plan)
    }

    @Test("an untouched export verifies offline; its lines are exactly the stored bytes, its own export record included")
    func untouchedExport() async throws {
        let store = try await Self.store()
        let exported = try await Self.export(store)
        #expect(exported.plan.fromSeq == 1 && exported.plan.toSeq == 31)
        let stored = try await store.storedAuditRecords(from: 1, through: 31, limit: 100).map(\.bytes)
        #expect(try exported.lines == stored)
        #expect(String(decoding: stored.last!, as: UTF8.self).contains("\"action\":\"audit.export\""))
        let result = try exported.verify()
        #expect(result.ok && result.recordsChecked == 31 && result.rootHash == exported.plan.checkpoint.rootHash)
    }

    @Test("an edited export line is named as edited, in the middle and at the very end", arguments: [5, 31])
    func editedExportLine(seq: Int) async throws {
        let exported = try await Self.export(try await Self.store())
        var lines = try exported.lines
        lines[seq - 1] = Data(String(decoding: lines[seq - 1], as: UTF8.self).replacingOccurrences(of: "\"outcome\":\"success\"", with: "\"outcome\":\"refused\"").utf8)
        try exported.write(lines)
        let result = try exported.verify()
        #expect(!result.ok && result.failure == .edited)
        if seq < 31 {
            #expect(result.firstBadSeq == Int64(seq))
        } else {
            // Nothing chains to the last record, so only the checkpoint's root can tell, and it cannot tell a
            // last-record edit from an earlier edit with everything after it re-chained: both are named.
            #expect(result.problem?.contains("record 31 was edited, or a record in 1…30 was edited") == true)
        }
    }

    @Test("a line removed from an export is named as missing; two swapped lines as reordered")
    func missingAndReorderedLines() async throws {
        let exported = try await Self.export(try await Self.store())
        let original = try exported.lines
        var lines = original
        lines.remove(at: 9)
        try exported.write(lines)
        let missing = try exported.verify()
        #expect(missing.failure == .missing && missing.firstBadSeq == 10)

        lines = original
        lines.swapAt(9, 10)
        try exported.write(lines)
        let swapped = try exported.verify()
        #expect(swapped.failure == .reordered && swapped.firstBadSeq == 10)
    }

    @Test("an export cut short is named as truncated against its checkpoint")
    func truncatedExport() async throws {
        let exported = try await Self.export(try await Self.store())
        try exported.write(Array(try exported.lines.prefix(24)))
        let result = try exported.verify()
        #expect(result.failure == .truncated && result.firstBadSeq == 25)
    }

    @Test("a later export with a smaller (re-signed) checkpoint is named as truncated against the earlier one")
    func truncatedAgainstEarlierExport() async throws {
        let store = try await Self.store()
        let earlier = try await Self.export(store)
        let later = try await Self.export(store, to: .seq(20))
        let result = try later.verify(previous: earlier.plan.checkpoint.note)
        #expect(result.failure == .truncated && result.firstBadSeq == 21)
    }

    @Test("a checkpoint signed with another key is named as a bad signature")
    func foreignCheckpointForExport() async throws {
        let exported = try await Self.export(try await Self.store())
        let impostor = try NoteSigner(generatingWithName: Self.signer.name)
        let forged = try impostor.sign(try Checkpoint(signedNote: exported.plan.checkpoint.note, verifier: Self.signer.verifier).text)
        let result = try exported.verify(checkpoint: forged)
        #expect(!result.ok && result.failure == .badSignature)
        let previousForged = try exported.verify(previous: forged)
        #expect(previousForged.failure == .badSignature)
    }

    @Test("a later export proves it extends an earlier one with an RFC 6962 consistency proof")
    func consistentWithEarlier() async throws {
        let store = try await Self.store()
        let earlier = try await Self.export(store)
        for index in 1...17 {
            try await store.recordDaemonEvent("test.more", detail: ["n": .number(Double(index))], now: Self.now)
        }
        let later = try await Self.export(store)
        let result = try later.verify(previous: earlier.plan.checkpoint.note)
        #expect(result.ok && result.checkpointsChecked == 2 && result.lastSeq == 49)
    }

    @Test("a history rewritten and re-signed with the stolen key does not extend the auditor's earlier checkpoint")
    func rewrittenHistoryAgainstEarlier() async throws {
        let store = try await Self.store()
        let earlier = try await Self.export(store)
        let later = try await Self.export(store)
        // The attacker edits record 3, re-chains every record after it and signs a fresh checkpoint.
        var lines = try later.lines
        var previous = AuditRecord.genesisHash
        var tree = CompactRange()
        for index in lines.indices {
            var record = try WireJSON.decoder().decode(AuditRecord.self, from: lines[index])
            if record.seq == 3 { record.detail = ["n": 333] }
            record.prevHash = previous
            lines[index] = try WireJSON.encode(record)
            previous = AuditLog.hexSHA256(lines[index])
            tree.append(leaf: lines[index])
        }
        try later.write(lines)
        let resigned = try Self.signer.sign(Checkpoint(origin: Self.signer.name, size: tree.size, rootHash: tree.root).text)
        #expect(try later.verify(checkpoint: resigned).ok, "on its own the rewritten trail is self-consistent")
        let result = try later.verify(previous: earlier.plan.checkpoint.note, checkpoint: resigned)
        #expect(!result.ok && result.failure == .edited && result.problem?.contains("earlier checkpoint") == true)
    }

    @Test("records beyond the checkpoint are not vouched for")
    func extraRecords() async throws {
        let store = try await Self.store()
        let exported = try await Self.export(store, to: .seq(20))
        let more = try await store.storedAuditRecords(from: 21, through: 22, limit: 10).map(\.bytes)
        try exported.write(try exported.lines + more)
        let result = try exported.verify()
        #expect(result.failure == .unverified && result.firstBadSeq == 21)
    }

    @Test("a partial export verifies from its prefix file; a forged prefix is caught")
    func partialExport() async throws {
        let store = try await Self.store()
        let exported = try await Self.export(store, from: .seq(11), to: .seq(25))
        #expect(exported.plan.fromSeq == 11 && exported.plan.toSeq == 25 && exported.plan.prefix.count == 2)
        let result = try exported.verify()
        #expect(result.ok && result.recordsChecked == 15)

        var forged = try AuditPrefixFile.parse(exported.plan.prefixText)
        forged = try CompactRange(size: forged.size, hashes: forged.hashes.reversed())
        let bad = try AuditFileVerifier.verify(file: exported.path, checkpoint: exported.plan.checkpoint.note,
                                               trustedKey: Self.signer.verifier, prefix: forged)
        #expect(!bad.ok && bad.failure == .edited)
    }

    @Test("export ranges by time pick the records inside; an empty range is refused")
    func timeRanges() async throws {
        let store = try await Self.store()
        let plan = try await store.beginExport(format: .jsonl, from: .time(Self.now.addingTimeInterval(5)), to: .time(Self.now.addingTimeInterval(9.5)),
                                               actor: StoreFixtures.nurse, signer: Self.signer, now: Self.now)
        #expect(plan.fromSeq == 5 && plan.toSeq == 9)
        await #expect(throws: DomainError.self) {
            try await store.beginExport(format: .jsonl, from: .seq(40), to: nil, actor: StoreFixtures.nurse, signer: Self.signer, now: Self.now)
        }
        #expect(AuditBound(parsing: "12") == .seq(12))
        #expect(AuditBound(parsing: "0") == nil && AuditBound(parsing: "-3") == nil && AuditBound(parsing: "soon") == nil)
        #expect(AuditBound(parsing: "2026-11-24T08:00:00Z") != nil)
    }
}
