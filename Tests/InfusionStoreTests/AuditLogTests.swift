import Foundation
import GRDB
import InfusionCore
import InfusionStore
import Testing

@Suite("Audit chain: hashing, seq and tamper detection")
struct AuditLogTests {
    /// A store with a few records: a start, an observation with decisions and alerts, and a refusal.
    private func populatedStore() async throws -> ClinicalStore {
        let store = try StoreFixtures.store()
        let session = try await store.startSession(StoreFixtures.startRequest(), ruleSet: StoreFixtures.ruleSet, actor: StoreFixtures.nurse, now: StoreFixtures.start)
        _ = try await store.recordObservation(sessionId: session.id, request: StoreFixtures.observation([.tinnitus]),
                                              ruleSet: StoreFixtures.ruleSet, actor: StoreFixtures.nurse, now: StoreFixtures.start)
        try await store.recordRefusal(Problem(status: 400, code: "request.malformedJSON", title: "t", detail: "d"),
                                      method: "POST", path: "/v1/sessions", actor: StoreFixtures.nurse, now: StoreFixtures.start)
        return store
    }

    @Test("records chain from 64 zeros with seq 1, 2, 3 … and each hash is SHA-256 of the stored bytes")
    func chain() async throws {
        let store = try await populatedStore()
        let page = try await store.auditPage(after: 0, limit: 1000)
        #expect(page.records.first?.record.prevHash == AuditRecord.genesisHash)
        #expect(page.records.map(\.record.seq) == Array(1...Int64(page.records.count)))
        for (previous, next) in zip(page.records, page.records.dropFirst()) {
            #expect(next.record.prevHash == previous.hash)
        }
        let rows = try await store.database.writer.read { db in try Row.fetchAll(db, sql: "SELECT hash, record FROM audit_records") }
        for row in rows {
            let bytes: Data = row["record"]
            #expect(AuditLog.hexSHA256(bytes) == row["hash"] as String)
        }
        let verification = try await store.verifyAudit()
        #expect(verification.ok)
        #expect(verification.recordsChecked == Int64(page.records.count))
    }

    @Test("stored bytes are sorted-key JSON with every field of SPEC §6")
    func recordFormat() async throws {
        let store = try await populatedStore()
        let first = try await store.database.writer.read { db in try Data.fetchOne(db, sql: "SELECT record FROM audit_records WHERE seq = 1")! }
        let text = String(decoding: first, as: UTF8.self)
        #expect(text.hasPrefix("{\"action\":\"session.start\",\"actor\":{"))
        for key in ["\"seq\":1", "\"time\":", "\"outcome\":\"success\"", "\"entity\":", "\"detail\":", "\"prevHash\":\"\(AuditRecord.genesisHash)\""] {
            #expect(text.contains(key), "missing \(key)")
        }
    }

    private func tamper(_ store: ClinicalStore, _ sql: String) async throws {
        try await store.database.writer.write { db in
            try db.execute(sql: "DROP TRIGGER audit_records_no_update; DROP TRIGGER audit_records_no_delete")
            try db.execute(sql: sql)
        }
    }

    @Test("an edited record is named")
    func editedRecord() async throws {
        let store = try await populatedStore()
        try await tamper(store, "UPDATE audit_records SET record = CAST(REPLACE(CAST(record AS TEXT), 'nurse-042', 'nurse-999') AS BLOB) WHERE seq = 2")
        let result = try await store.verifyAudit()
        #expect(!result.ok)
        #expect(result.firstBadSeq == 2)
        #expect(result.problem?.contains("edited") == true)
    }

    @Test("an edited record with its hash recomputed is named by its stored Merkle leaf")
    func editedRecordWithHash() async throws {
        let store = try await populatedStore()
        try await store.database.writer.write { db in
            try db.execute(sql: "DROP TRIGGER audit_records_no_update")
            let bytes = try Data.fetchOne(db, sql: "SELECT record FROM audit_records WHERE seq = 2")!
            let edited = Data(String(decoding: bytes, as: UTF8.self).replacingOccurrences(of: "success", with: "failure").utf8)
            try db.execute(sql: "UPDATE audit_records SET record = ?, hash = ? WHERE seq = 2", arguments: [edited, AuditLog.hexSHA256(edited)])
        }
        let result = try await store.verifyAudit()
        #expect(result.firstBadSeq == 2)
        #expect(result.failure == .edited)
        #expect(result.problem?.contains("Merkle leaf") == true)
    }

    @Test("a deleted record is named as missing")
    func deletedRecord() async throws {
        let store = try await populatedStore()
        try await tamper(store, "DELETE FROM audit_records WHERE seq = 3")
        let result = try await store.verifyAudit()
        #expect(result.firstBadSeq == 3)
        #expect(result.failure == .missing)
        #expect(result.problem?.contains("missing") == true)
        #expect(result.recordsChecked == 2)
    }

    @Test("two swapped records are caught")
    func swappedRecords() async throws {
        let store = try await populatedStore()
        try await tamper(store, """
            UPDATE audit_records SET seq = -1 WHERE seq = 2;
            UPDATE audit_records SET seq = 2 WHERE seq = 3;
            UPDATE audit_records SET seq = 3 WHERE seq = -1;
            """)
        let result = try await store.verifyAudit()
        #expect(!result.ok)
        #expect(result.firstBadSeq == 2)
        #expect(result.failure == .reordered)
    }
}
