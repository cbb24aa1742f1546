import Foundation
import GRDB
import InfusionCore
@testable import InfusionStore
import Testing

/// Online backup, the start-up integrity check and the offline restore.
@Suite("Backup, integrity check and restore")
struct BackupRestoreTests {
    /// A file database with a session and some observations in it.
    static func populated(in folder: String, observations: Int = 3) async throws -> ClinicalStore {
        let store = ClinicalStore(database: try ClinicalDatabase(path: "\(folder)/infusion.sqlite"))
        let session = try await store.startSession(StoreFixtures.startRequest(), ruleSet: StoreFixtures.ruleSet,
                                                   actor: StoreFixtures.nurse, now: StoreFixtures.start)
        for index in 0..<observations {
            _ = try await store.recordObservation(
                sessionId: session.id, request: StoreFixtures.observation(heartRate: 70, at: Double(60 * (index + 1))),
                ruleSet: StoreFixtures.ruleSet, actor: StoreFixtures.nurse, now: StoreFixtures.start.addingTimeInterval(Double(60 * (index + 1))))
        }
        return store
    }

    @Test("a backup taken while writes continue is one file that passes quick_check and audit verification")
    func backupDuringWrites() async throws {
        let folder = try StoreFixtures.temporaryFolder()
        defer { try? FileManager.default.removeItem(atPath: folder) }
        let store = try await Self.populated(in: folder)
        let session = try #require(try await store.sessions(state: "open").first)
        let writer = Task {
            for index in 0..<50 {
                _ = try await store.recordObservation(
                    sessionId: session.id, request: StoreFixtures.observation(heartRate: 71, at: Double(1000 + index)),
                    ruleSet: StoreFixtures.ruleSet, actor: StoreFixtures.nurse, now: StoreFixtures.start.addingTimeInterval(Double(1000 + index)))
            }
        }
        let summary = try await store.backup(to: "\(folder)/copy.sqlite", actor: StoreFixtures.nurse, now: StoreFixtures.start)
        try await writer.value
        #expect(summary.bytes > 0 && summary.sha256.count == 64)
        #expect(!FileManager.default.fileExists(atPath: "\(folder)/copy.sqlite-wal"))
        let copy = try DatabaseQueue(path: "\(folder)/copy.sqlite")
        try await copy.read { db in
            #expect(try String.fetchOne(db, sql: "PRAGMA journal_mode") == "delete")
            #expect(try String.fetchAll(db, sql: "PRAGMA quick_check") == ["ok"])
            let verification = try AuditLog.verify(db)
            #expect(verification.ok)
            #expect(verification.lastSeq == summary.auditSeq)
        }
        // The live trail records the backup after the copy's last record.
        let records = try await store.auditPage(after: summary.auditSeq, limit: 1000).records
        #expect(records.contains { $0.record.action == "database.backup" })
    }

    @Test("a backup never overwrites an existing file")
    func backupRefusesExisting() async throws {
        let folder = try StoreFixtures.temporaryFolder()
        defer { try? FileManager.default.removeItem(atPath: folder) }
        let store = try await Self.populated(in: folder, observations: 0)
        try Data("keep me".utf8).write(to: URL(fileURLWithPath: "\(folder)/exists.sqlite"))
        await #expect(throws: DatabaseError.self) {
            _ = try await store.backup(to: "\(folder)/exists.sqlite", actor: StoreFixtures.nurse, now: StoreFixtures.start)
        }
        #expect(try String(contentsOfFile: "\(folder)/exists.sqlite", encoding: .utf8) == "keep me")
    }

    @Test("the integrity check passes a healthy or missing database and refuses a damaged one with directions")
    func integrityCheck() async throws {
        let folder = try StoreFixtures.temporaryFolder()
        defer { try? FileManager.default.removeItem(atPath: folder) }
        try DatabaseIntegrity.check(path: "\(folder)/missing.sqlite")
        let store = try await Self.populated(in: folder, observations: 20)
        _ = try await store.backup(to: "\(folder)/healthy.sqlite", actor: StoreFixtures.nurse, now: StoreFixtures.start)
        try DatabaseIntegrity.check(path: "\(folder)/healthy.sqlite")

        // Damage a table page (not the header): quick_check finds it.
        let damaged = "\(folder)/damaged.sqlite"
        try FileManager.default.copyItem(atPath: "\(folder)/healthy.sqlite", toPath: damaged)
        try Self.scribble(on: damaged, page: 3)
        #expect {
            try DatabaseIntegrity.check(path: damaged)
        } throws: { error in
            let text = "\(error)"
            return error is DatabaseDamagedError && text.contains(damaged) && text.contains("infusiond restore")
        }

        // A file that is not a database at all.
        let garbage = "\(folder)/garbage.sqlite"
        try Data(repeating: 0x41, count: 8192).write(to: URL(fileURLWithPath: garbage))
        #expect(throws: DatabaseDamagedError.self) { try DatabaseIntegrity.check(path: garbage) }
    }

    /// Overwrites the middle of one page with bytes that are not a b-tree page.
    static func scribble(on path: String, page: Int) throws {
        let handle = try FileHandle(forUpdating: URL(fileURLWithPath: path))
        defer { try? handle.close() }
        let pageSize = 4096
        try handle.seek(toOffset: UInt64((page - 1) * pageSize))
        try handle.write(contentsOf: Data(repeating: 0xFF, count: pageSize))
    }

    @Test("restore checks the backup, moves the current files aside and puts the backup in place")
    func restore() async throws {
        let folder = try StoreFixtures.temporaryFolder()
        defer { try? FileManager.default.removeItem(atPath: folder) }
        let store = try await Self.populated(in: folder, observations: 2)
        let summary = try await store.backup(to: "\(folder)/backup.sqlite", actor: StoreFixtures.nurse, now: StoreFixtures.start)
        let live = "\(folder)/infusion.sqlite"
        try store.database.writer.close()
        let outcome = try DatabaseRestore.restore(backup: "\(folder)/backup.sqlite", into: live,
                                                  now: Date(timeIntervalSince1970: 1_800_000_000))
        // The backup's records plus the restore's own record.
        #expect(outcome.auditRecords == summary.auditSeq + 1)
        #expect(outcome.restoreRecordSeq == summary.auditSeq + 1)
        #expect(outcome.backupSHA256 == summary.sha256)
        #expect(outcome.replacedHead?.seq == summary.auditSeq + 1, "the live trail went on with the backup's own record")
        #expect(outcome.movedAside.first == "\(live).replaced-2027-01-15T080000Z")
        #expect(FileManager.default.fileExists(atPath: "\(live).replaced-2027-01-15T080000Z"))
        let reopened = try ClinicalDatabase(path: live)
        let verification = try await reopened.writer.read { db in try AuditLog.verify(db) }
        #expect(verification.ok && verification.lastSeq == summary.auditSeq + 1)
        #expect(verification.forks?.map(\.action) == ["database.restore"])
        let last = try await reopened.writer.read { db in try AuditLog.page(db, after: summary.auditSeq, limit: 1) }.records.first?.record
        #expect(last?.action == "database.restore")
        guard case .object(let detail)? = last?.detail else { Issue.record("no restore detail"); return }
        #expect(detail["backupSHA256"] == .string(summary.sha256))
        #expect(detail["backupHead"].flatMap { if case .object(let head) = $0 { head["seq"] } else { nil } } == .number(Double(summary.auditSeq)))
    }

    @Test("restore refuses a damaged backup, a foreign SQLite file and a broken audit chain, and changes nothing")
    func restoreRefusals() async throws {
        let folder = try StoreFixtures.temporaryFolder()
        defer { try? FileManager.default.removeItem(atPath: folder) }
        let store = try await Self.populated(in: folder, observations: 2)
        _ = try await store.backup(to: "\(folder)/good.sqlite", actor: StoreFixtures.nurse, now: StoreFixtures.start)
        let live = "\(folder)/infusion.sqlite"

        let foreign = try DatabaseQueue(path: "\(folder)/foreign.sqlite")
        try await foreign.write { db in try db.execute(sql: "CREATE TABLE t (x)") }
        try foreign.close()

        try FileManager.default.copyItem(atPath: "\(folder)/good.sqlite", toPath: "\(folder)/tampered.sqlite")
        let tampered = try DatabaseQueue(path: "\(folder)/tampered.sqlite")
        try await tampered.write { db in
            // The append-only trigger must be dropped to tamper; an attacker with the file can do that.
            for trigger in try String.fetchAll(db, sql: "SELECT name FROM sqlite_master WHERE type = 'trigger' AND tbl_name = 'audit_records'") {
                try db.execute(sql: "DROP TRIGGER \(trigger)")
            }
            try db.execute(sql: "UPDATE audit_records SET record = replace(record, 'nurse-042', 'nurse-999') WHERE seq = 1")
        }
        try tampered.close()

        for (file, message) in [("missing.sqlite", "no file"), ("foreign.sqlite", "not an infusiond database"),
                                ("tampered.sqlite", "audit chain")] {
            #expect {
                _ = try DatabaseRestore.restore(backup: "\(folder)/\(file)", into: live)
            } throws: { error in
                "\(error)".contains(message)
            }
        }
        #expect(try FileManager.default.contentsOfDirectory(atPath: folder).filter { $0.contains("replaced") }.isEmpty)
    }
}
