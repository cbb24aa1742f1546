import Foundation
import GRDB
import InfusionCore
@testable import InfusionStore
import Testing

/// The history columns of `events` (0006): what the daemon writes for each event from its step, and what the
/// migration derives once for events stored before them, must agree — the snapshot is loaded from them.
@Suite("Event history columns")
struct HistoryColumnsTests {
    /// The columns as earlier versions' queries derived them from the stored answer, body and decisions.
    static let derivedSQL = """
        SELECT sequence,
               json_extract(response, '$.session.state') AS state_after,
               (kind != 'observation' OR IFNULL(json_array_length(body, '$.symptoms'), 0) > 0
                OR id IN (SELECT event_id FROM decisions WHERE action IN ('pause', 'stop'))) AS rule_entry,
               (id IN (SELECT event_id FROM decisions WHERE action = 'stop')) AS stopped
        FROM events ORDER BY session_id, sequence
        """

    static func columns(_ db: Database, sql: String) throws -> [[String?]] {
        try Row.fetchAll(db, sql: sql).map { row in
            [String(row["sequence"] as Int64), row["state_after"], String(row["rule_entry"] as Int64), String(row["stopped"] as Int64)]
        }
    }

    /// A session with a plain observation, a symptom (which pauses lidocaine), and a bradycardia that stops it.
    static func recordDay(_ store: ClinicalStore) async throws -> Session {
        let ruleSet = StoreFixtures.ruleSet
        let session = try await store.startSession(StoreFixtures.startRequest(), ruleSet: ruleSet, actor: StoreFixtures.nurse,
                                                   now: StoreFixtures.start)
        _ = try await store.recordObservation(sessionId: session.id, request: StoreFixtures.observation(at: 60), ruleSet: ruleSet,
                                              actor: StoreFixtures.nurse, now: StoreFixtures.start.addingTimeInterval(61))
        _ = try await store.recordObservation(sessionId: session.id, request: StoreFixtures.observation([.tinnitus], at: 120),
                                              ruleSet: ruleSet, actor: StoreFixtures.nurse, now: StoreFixtures.start.addingTimeInterval(121))
        _ = try await store.recordObservation(sessionId: session.id, request: StoreFixtures.observation(heartRate: 35, at: 180),
                                              ruleSet: ruleSet, actor: StoreFixtures.nurse,
                                              now: StoreFixtures.start.addingTimeInterval(181))
        return session
    }

    @Test("the columns the daemon writes are what the stored answers, bodies and decisions say")
    func writtenColumnsAgreeWithTheRecord() async throws {
        let store = try StoreFixtures.store()
        _ = try await Self.recordDay(store)
        let (written, derived) = try await store.database.writer.read { db in
            (try Self.columns(db, sql: "SELECT sequence, state_after, rule_entry, stopped FROM events ORDER BY session_id, sequence"),
             try Self.columns(db, sql: Self.derivedSQL))
        }
        #expect(written == derived)
        // start, plain observation (not a rule entry), tinnitus (pauses), bradycardia (stops)
        #expect(written.map { $0[2] } == ["1", "0", "1", "1"])
        #expect(written.map { $0[1] } == ["running", "running", "paused", "stopped"])
        #expect(written.map { $0[3] } == ["0", "0", "0", "1"])
    }

    @Test("migrating a database written before the columns fills them in, and events stay append-only")
    func migrationBackfills() async throws {
        let folder = try StoreFixtures.temporaryFolder()
        let path = "\(folder)/infusion.sqlite"
        // Record a day with this version, then rebuild the events as a 0005 database held them, without the columns.
        let store = ClinicalStore(database: try ClinicalDatabase(path: path))
        _ = try await Self.recordDay(store)
        let expected = try await store.database.writer.read { db in
            try Self.columns(db, sql: "SELECT sequence, state_after, rule_entry, stopped FROM events ORDER BY session_id, sequence")
        }
        try store.database.closeAfterCheckpoint()
        let queue = try DatabaseQueue(path: path)
        try await queue.writeWithoutTransaction { db in
            try db.execute(sql: """
                PRAGMA foreign_keys = OFF;
                DROP TRIGGER events_no_update;
                DROP INDEX events_rule_entries;
                ALTER TABLE events DROP COLUMN state_after;
                ALTER TABLE events DROP COLUMN rule_entry;
                ALTER TABLE events DROP COLUMN stopped;
                CREATE TRIGGER events_no_update BEFORE UPDATE ON events
                BEGIN SELECT RAISE(ABORT, 'events are append-only: record a correction as a new event'); END;
                CREATE INDEX events_rule_history ON events (session_id, sequence)
                    WHERE kind != 'observation' OR json_array_length(body, '$.symptoms') > 0;
                DELETE FROM grdb_migrations WHERE identifier = '0006_event_history_columns';
                """)
        }
        try queue.close()

        let reopened = try ClinicalDatabase(path: path)
        let migrated = try await reopened.writer.read { db in
            try Self.columns(db, sql: "SELECT sequence, state_after, rule_entry, stopped FROM events ORDER BY session_id, sequence")
        }
        #expect(migrated == expected)
        await #expect(throws: DatabaseError.self) {
            try await reopened.writer.write { db in try db.execute(sql: "UPDATE events SET recorded_by = 'x'") }
        }
    }

    @Test("a snapshot loaded from the columns is the snapshot the writer held")
    func loadedSnapshotMatchesHeld() async throws {
        let store = try StoreFixtures.store()
        let session = try await Self.recordDay(store)
        let held = try #require(try await store.openSnapshots().first { $0.session.id == session.id })
        let loaded = try await store.database.writer.read { db in try store.loadSnapshot(db, id: session.id) }
        #expect(loaded.ruleEntries.map(\.sequence) == held.ruleEntries.map(\.sequence))
        #expect(loaded.ruleEntries.map(\.stateAfter) == held.ruleEntries.map(\.stateAfter))
        #expect(loaded.recentObservations.map(\.sequence) == held.recentObservations.map(\.sequence))
        #expect(loaded.lastSequence == held.lastSequence)
    }
}
