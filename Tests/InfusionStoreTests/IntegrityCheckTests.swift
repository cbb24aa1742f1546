import Foundation
import GRDB
import InfusionCore
@testable import InfusionStore
import Synchronization
import Testing

/// The background integrity check of the live database (on a pool reader, on a low-priority thread of its own,
/// interrupted on cancellation, never in the writer's way) and the write gate a failed check closes.
// Serialized: two checks at once would each find the other's thread by its name.
@Suite("Integrity check in the background, and writes refused after a failure", .serialized)
struct IntegrityCheckTests {
    static let damage = DatabaseDamagedError(path: "/var/lib/infusiond/infusion.sqlite", findings: ["Page 42: btreeInitPage() returns error code 11"])

    /// A migrated file database with a table of `rows` filler rows (about 40 per page) outside the clinical tables.
    static func fileDatabase(rows: Int) async throws -> (folder: String, path: String, database: ClinicalDatabase) {
        let folder = try StoreFixtures.temporaryFolder()
        let path = "\(folder)/infusion.sqlite"
        let database = try ClinicalDatabase(path: path)
        try await database.writer.write { db in
            try db.execute(sql: "CREATE TABLE filler (id INTEGER PRIMARY KEY, body TEXT NOT NULL)")
            try db.execute(sql: """
                WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < ?)
                INSERT INTO filler (body) SELECT printf('%.80d', i) FROM n
                """, arguments: [rows])
        }
        return (folder, path, database)
    }

    /// The page number of a leaf page in the middle of a table, and the page size.
    static func middleLeafPage(of table: String, in database: ClinicalDatabase) async throws -> (page: Int, size: Int) {
        try await database.writer.read { db in
            let pages = try Int.fetchAll(db, sql: "SELECT pageno FROM dbstat WHERE name = ? AND pagetype = 'leaf' ORDER BY pageno", arguments: [table])
            return (pages[pages.count / 2], try Int.fetchOne(db, sql: "PRAGMA page_size") ?? 4096)
        }
    }

    /// Overwrites one page with bytes that are not a b-tree page.
    static func scribble(on path: String, page: Int, pageSize: Int) throws {
        let handle = try FileHandle(forUpdating: URL(fileURLWithPath: path))
        defer { try? handle.close() }
        try handle.seek(toOffset: UInt64((page - 1) * pageSize))
        try handle.write(contentsOf: Data(repeating: 0xA5, count: pageSize))
    }

    // MARK: The check

    @Test("a sound database passes, with the time the check took")
    func healthyPasses() async throws {
        let (folder, _, database) = try await Self.fileDatabase(rows: 5000)
        defer { try? FileManager.default.removeItem(atPath: folder) }
        let report = try await DatabaseIntegrity.quickCheck(database)
        #expect(report.passed && report.findings == ["ok"])
        #expect(report.duration > .zero)
    }

    @Test("a page damaged in the middle of a table: the database still opens, and the check finds the damage")
    func damageFound() async throws {
        let (folder, path, database) = try await Self.fileDatabase(rows: 5000)
        defer { try? FileManager.default.removeItem(atPath: folder) }
        let (page, size) = try await Self.middleLeafPage(of: "filler", in: database)
        try database.closeAfterCheckpoint()
        try Self.scribble(on: path, page: page, pageSize: size)

        // Opening and migrating read other pages: the start goes on, as the daemon's does.
        let reopened = try ClinicalDatabase(path: path)
        let found: [String]
        do {
            found = try await DatabaseIntegrity.quickCheck(reopened).findings
        } catch {
            found = try #require(DatabaseIntegrity.damage(path: path, checkError: error)).findings
        }
        #expect(found != ["ok"] && !found.isEmpty)
        #expect(found.count <= DatabaseIntegrity.quotedProblems)
    }

    @Test("cancelling a check interrupts SQLite on the check's connection: a statement that would never end ends at once", .timeLimit(.minutes(1)))
    func cancelInterrupts() async throws {
        let (folder, _, database) = try await Self.fileDatabase(rows: 10)
        defer { try? FileManager.default.removeItem(atPath: folder) }
        // Counts for ever: only sqlite3_interrupt ends it.
        let endless = "WITH RECURSIVE c(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM c) SELECT count(*) FROM c"
        let check = Task { try await DatabaseIntegrity.readInBackground(database, sql: endless) }
        let thread = try await Self.waitForThread(named: DatabaseIntegrity.checkThreadName)
        // Its own thread, at nice 10, and SQLite works on that thread (its CPU time grows), not on another that
        // it merely waits for.
        #expect(thread.nice == DatabaseIntegrity.checkThreadNice)
        let cpuBefore = Self.cpuTicks(thread: thread.id)
        // At nice 10 on a busy machine it gets a small share of a processor; give it a few seconds to show.
        let watchUntil = ContinuousClock.now + .seconds(20)
        while Self.cpuTicks(thread: thread.id) <= cpuBefore, ContinuousClock.now < watchUntil {
            try await Task.sleep(for: .milliseconds(50))
        }
        #expect(Self.cpuTicks(thread: thread.id) > cpuBefore)
        let cancelled = ContinuousClock.now
        check.cancel()
        await #expect(throws: CancellationError.self) { try await check.value }
        // Without the interrupt it would never end; the bound allows for a loaded machine.
        #expect(ContinuousClock.now - cancelled < .seconds(30))
        // The reader went back to the pool in working order.
        #expect(try await database.writer.read { db in try Int.fetchOne(db, sql: "SELECT count(*) FROM filler") } == 10)
    }

    @Test("a check does not hold up the writer: commits go on while it runs (WAL)", .timeLimit(.minutes(1)))
    func writerNotBlocked() async throws {
        let (folder, _, database) = try await Self.fileDatabase(rows: 10)
        defer { try? FileManager.default.removeItem(atPath: folder) }
        let store = ClinicalStore(database: database)
        let endless = "WITH RECURSIVE c(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM c) SELECT count(*) FROM c"
        let check = Task { try await DatabaseIntegrity.readInBackground(database, sql: endless) }
        _ = try await Self.waitForThread(named: DatabaseIntegrity.checkThreadName)
        for index in 0..<5 {
            _ = try await store.recordDaemonEvent("daemon.heartbeat", detail: ["n": .number(Double(index))], now: StoreFixtures.start)
        }
        #expect(try await store.counts().auditRecords == 5)
        check.cancel()
        _ = try? await check.value
    }

    @Test("a check cancelled before it starts reports nothing")
    func cancelledBeforeStart() async throws {
        let (folder, _, database) = try await Self.fileDatabase(rows: 10)
        defer { try? FileManager.default.removeItem(atPath: folder) }
        let check = Task {
            withUnsafeCurrentTask { $0?.cancel() }
            return try await DatabaseIntegrity.quickCheck(database)
        }
        await #expect(throws: CancellationError.self) { try await check.value }
    }

    /// The fields of /proc/self/task/TID/stat after the command: state is the first (field 3).
    static func statFields(thread: String) -> [Substring] {
        guard let stat = try? String(contentsOfFile: "/proc/self/task/\(thread)/stat", encoding: .utf8),
              let close = stat.lastIndex(of: ")") else { return [] }
        return stat[stat.index(after: close)...].split(separator: " ")
    }

    /// A thread's user plus system CPU time so far, in clock ticks (fields 14 and 15).
    static func cpuTicks(thread: String) -> Int {
        let fields = statFields(thread: thread)
        guard fields.count > 12 else { return 0 }
        return (Int(fields[11]) ?? 0) + (Int(fields[12]) ?? 0)
    }

    /// The check's thread, once it runs: its id and nice value from /proc.
    static func waitForThread(named name: String) async throws -> (id: String, nice: Int32) {
        let deadline = ContinuousClock.now + .seconds(30)
        while ContinuousClock.now < deadline {
            for task in (try? FileManager.default.contentsOfDirectory(atPath: "/proc/self/task")) ?? [] {
                guard let comm = try? String(contentsOfFile: "/proc/self/task/\(task)/comm", encoding: .utf8),
                      comm.trimmingCharacters(in: .whitespacesAndNewlines) == name else { continue }
                // Nice is field 19.
                let fields = statFields(thread: task)
                if fields.count > 16, let nice = Int32(fields[16]) { return (task, nice) }
            }
            try await Task.sleep(for: .milliseconds(10))
        }
        throw CancellationError()
    }

    // MARK: Damage at open

    @Test("a file that is not a database fails to open with the restore directions")
    func notADatabase() throws {
        let folder = try StoreFixtures.temporaryFolder()
        defer { try? FileManager.default.removeItem(atPath: folder) }
        let path = "\(folder)/infusion.sqlite"
        try Data(repeating: 0x41, count: 8192).write(to: URL(fileURLWithPath: path))
        do {
            _ = try ClinicalDatabase(path: path)
            Issue.record("a file of 'A's opened as a database")
        } catch {
            let damage = try #require(DatabaseIntegrity.damage(path: path, openError: error))
            #expect(damage.findings.first?.contains("SQLITE_NOTADB") == true)
            #expect("\(damage)".contains("is damaged") && "\(damage)".contains("infusiond restore BACKUP-FILE"))
        }
        #expect(DatabaseIntegrity.damage(path: path, openError: DatabaseError(resultCode: .SQLITE_BUSY)) == nil)
        #expect(DatabaseIntegrity.damage(path: path, checkError: DatabaseError(resultCode: .SQLITE_IOERR)) == nil)
        #expect(DatabaseIntegrity.damage(path: path, checkError: DatabaseError(resultCode: .SQLITE_CORRUPT)) != nil)
    }

    // MARK: The write gate

    @Test("once writes are refused every write fails with WritesRefused, reads work, and the failure is still recorded")
    func writesRefused() async throws {
        let store = try StoreFixtures.store()
        _ = try await store.recordDaemonEvent("daemon.start", detail: [:], now: StoreFixtures.start)
        let entry = try await store.closeWrites(for: Self.damage, checkDuration: .milliseconds(1500), now: StoreFixtures.start)
        #expect(entry.record.action == "database.integrityFailed" && entry.record.outcome == "failure")
        guard case .object(let detail) = entry.record.detail else {
            Issue.record("the record has no detail")
            return
        }
        #expect(detail["findings"] == .array([.string(Self.damage.findings[0])]))
        #expect(detail["checkSeconds"] == 1.5)
        guard case .damaged(let damage)? = store.committer.refusal?.reason else {
            Issue.record("writes are not refused")
            return
        }
        #expect(damage == Self.damage)
        await #expect(throws: WritesRefused.self) {
            _ = try await store.recordDaemonEvent("daemon.heartbeat", detail: [:], now: StoreFixtures.start)
        }
        await #expect(throws: WritesRefused.self) {
            try await store.recordRead("session.read", actor: StoreFixtures.nurse, entity: nil, detail: [:], now: StoreFixtures.start)
        }
        // Reads keep working, and the trail ends with the failure.
        #expect(try await store.counts().auditRecords == 2)
        #expect(try await store.auditPage(after: 1, limit: 10).records.map(\.record.action) == ["database.integrityFailed"])
    }

    @Test("requests queued before writes closed are refused too; only the exempt one commits")
    func queuedRequestsRefused() async throws {
        let folder = try StoreFixtures.temporaryFolder()
        defer { try? FileManager.default.removeItem(atPath: folder) }
        let database = try ClinicalDatabase(path: "\(folder)/infusion.sqlite")
        let writer = GroupCommitWriter(writer: database.writer)
        try await database.writer.write { db in try db.execute(sql: "CREATE TABLE t (n INTEGER)") }
        // A request in the writer's hands before the close holds it, so the others queue behind it.
        let running = Mutex(false)
        let hold = Mutex(false)
        let occupier = Task {
            try await writer.write { db in
                running.withLock { $0 = true }
                while !hold.withLock({ $0 }) { usleep(1000) }
                try db.execute(sql: "INSERT INTO t (n) VALUES (-1)")
            }
        }
        while !running.withLock({ $0 }) { try await Task.sleep(for: .milliseconds(5)) }
        let outcomes = try await withThrowingTaskGroup(of: (Int, Bool).self) { group in
            for n in 0..<10 {
                group.addTask {
                    do {
                        try await writer.write(evenWhenRefused: n == 9) { db in try db.execute(sql: "INSERT INTO t (n) VALUES (?)", arguments: [n]) }
                        return (n, true)
                    } catch is WritesRefused {
                        return (n, false)
                    }
                }
            }
            try await Task.sleep(for: .milliseconds(100))
            writer.refuseWrites(WritesRefused(.damaged(Self.damage)))
            hold.withLock { $0 = true }
            var seen: [Int: Bool] = [:]
            for try await (n, committed) in group { seen[n] = committed }
            return seen
        }
        try await occupier.value
        #expect(outcomes.count == 10)
        #expect(outcomes.filter(\.value).map(\.key) == [9])
        // The request taken before the close commits; of those queued, only the exempt one.
        #expect(try await database.writer.read { db in try Int.fetchAll(db, sql: "SELECT n FROM t ORDER BY n") } == [-1, 9])
        // A new request is refused at once.
        await #expect(throws: WritesRefused.self) { try await writer.write { db in try db.execute(sql: "INSERT INTO t (n) VALUES (10)") } }
    }
}
