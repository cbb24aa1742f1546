import Foundation
import GRDB
import InfusionCore
import InfusionStore
import Synchronization
import Testing

@Suite("Group commit: shared transactions, per-request outcomes, arrival order")
struct GroupCommitTests {
    /// A file database, so commits really go through WAL with synchronous=FULL.
    private func fileDatabase() throws -> ClinicalDatabase {
        try ClinicalDatabase(path: "\(try StoreFixtures.temporaryFolder())/infusion.sqlite")
    }

    @Test("requests queued behind a busy writer share one transaction, and all are answered after it commits")
    func batching() async throws {
        let database = try fileDatabase()
        let batches = Mutex<[Int]>([])
        let writer = GroupCommitWriter(writer: database.writer) { size, _ in batches.withLock { $0.append(size) } }
        try await database.writer.write { db in try db.execute(sql: "CREATE TABLE t (n INTEGER)") }

        // Hold the underlying writer so requests pile up, then let them through.
        let gate = Mutex(false)
        let blocker = Task {
            try await database.writer.writeWithoutTransaction { _ in
                while !gate.withLock({ $0 }) { usleep(1000) }
            }
        }
        try await Task.sleep(for: .milliseconds(50))
        let results = try await withThrowingTaskGroup(of: Int.self) { group in
            for n in 0..<40 {
                group.addTask {
                    try await writer.write { db in
                        try db.execute(sql: "INSERT INTO t (n) VALUES (?)", arguments: [n])
                        return n
                    }
                }
            }
            try await Task.sleep(for: .milliseconds(100))
            gate.withLock { $0 = true }
            var seen: [Int] = []
            for try await value in group { seen.append(value) }
            return seen
        }
        try await blocker.value
        #expect(results.sorted() == Array(0..<40))
        let sizes = batches.withLock { $0 }
        #expect(sizes.reduce(0, +) == 40)
        #expect(sizes.count < 40, "requests that waited together must share a commit: \(sizes)")
        #expect(try await database.writer.read { db in try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM t") } == 40)
    }

    @Test("a request that fails rolls back only itself; its batch-mates commit")
    func failureIsolated() async throws {
        let database = try fileDatabase()
        let writer = GroupCommitWriter(writer: database.writer)
        try await database.writer.write { db in try db.execute(sql: "CREATE TABLE t (n INTEGER UNIQUE)") }
        let outcomes = await withTaskGroup(of: (Int, Bool).self) { group in
            for n in [1, 2, 2, 3] {
                group.addTask {
                    do {
                        try await writer.write { db in try db.execute(sql: "INSERT INTO t (n) VALUES (?)", arguments: [n]) }
                        return (n, true)
                    } catch {
                        return (n, false)
                    }
                }
            }
            var all: [(Int, Bool)] = []
            for await outcome in group { all.append(outcome) }
            return all
        }
        #expect(outcomes.filter { !$0.1 }.map(\.0) == [2])
        let stored = try await database.writer.read { db in try Int.fetchAll(db, sql: "SELECT n FROM t ORDER BY n") }
        #expect(stored == [1, 2, 3])
    }

    @Test("concurrent observations on many sessions keep one gap-free audit chain and every event once")
    func concurrentObservations() async throws {
        let store = ClinicalStore(database: try fileDatabase())
        let ruleSet = StoreFixtures.ruleSet
        var sessions: [Session] = []
        for _ in 0..<8 {
            sessions.append(try await store.startSession(StoreFixtures.startRequest(), ruleSet: ruleSet, actor: StoreFixtures.nurse, now: StoreFixtures.start))
        }
        let observations = sessions.flatMap { session in
            (0..<10).map { index in (session.id, StoreFixtures.observation(index % 3 == 0 ? [.tinnitus] : [], heartRate: 70, at: Double(index))) }
        }
        try await withThrowingTaskGroup(of: Void.self) { group in
            for (sessionId, observation) in observations {
                group.addTask {
                    _ = try await store.recordObservation(sessionId: sessionId, request: observation, ruleSet: ruleSet, actor: StoreFixtures.nurse, now: StoreFixtures.start)
                }
            }
            try await group.waitForAll()
        }
        let verification = try await store.verifyAudit()
        #expect(verification.ok)
        for session in sessions {
            let events = try await store.events(sessionId: session.id).events
            #expect(events.count == 11)
            #expect(events.map(\.sequence) == Array(1...11))
            #expect(Set(events.map(\.id)).count == 11)
        }
    }
}
