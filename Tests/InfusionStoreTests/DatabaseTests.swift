import Foundation
import GRDB
import InfusionCore
import InfusionStore
import Testing

@Suite("SQLite database: pragmas, migrations, append-only tables")
struct DatabaseTests {
    @Test("a file database runs in WAL with synchronous=FULL and foreign keys on")
    func pragmas() async throws {
        let folder = try StoreFixtures.temporaryFolder()
        let database = try ClinicalDatabase(path: "\(folder)/infusion.sqlite")
        let pragmas = try await database.pragmas()
        #expect(pragmas.journalMode == "wal")
        #expect(pragmas.synchronous == 2)
        #expect(pragmas.foreignKeys)
    }

    @Test("the embedded migrations are applied and the schema version is their highest number")
    func migrationsApplied() async throws {
        let database = try ClinicalDatabase()
        let applied = try await database.writer.read { db in try ClinicalDatabase.migrator.appliedIdentifiers(db) }
        #expect(applied.contains("0001_initial"))
        #expect(ClinicalDatabase.schemaVersion >= 1)
    }

    @Test("a database written by a newer schema is refused with a clear message")
    func newerSchemaRefused() async throws {
        let folder = try StoreFixtures.temporaryFolder()
        let path = "\(folder)/infusion.sqlite"
        let database = try ClinicalDatabase(path: path)
        try await database.writer.write { db in
            try db.execute(sql: "INSERT INTO grdb_migrations (identifier) VALUES ('9999_from_the_future')")
        }
        #expect {
            _ = try ClinicalDatabase(path: path)
        } throws: { error in
            guard let error = error as? DatabaseOpenError, case .newerSchema(_, let unknown) = error else { return false }
            return unknown == ["9999_from_the_future"] && error.description.contains("newer infusiond")
        }
    }

    @Test("UPDATE and DELETE on append-only tables fail", arguments: [
        "UPDATE events SET recorded_by = 'x'", "DELETE FROM events",
        "UPDATE decisions SET rule_id = 'x'", "DELETE FROM decisions",
        "UPDATE audit_records SET hash = 'x'", "DELETE FROM audit_records",
    ])
    func appendOnly(sql: String) async throws {
        let store = try StoreFixtures.store()
        let session = try await store.startSession(StoreFixtures.startRequest(), ruleSet: StoreFixtures.ruleSet, actor: StoreFixtures.nurse, now: StoreFixtures.start)
        _ = try await store.recordObservation(sessionId: session.id, request: StoreFixtures.observation([.tinnitus]),
                                              ruleSet: StoreFixtures.ruleSet, actor: StoreFixtures.nurse, now: StoreFixtures.start)
        await #expect(throws: DatabaseError.self) {
            try await store.database.writer.write { db in try db.execute(sql: sql) }
        }
        let counts = try await store.database.writer.read { db in
            (try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM events")!, try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM audit_records")!)
        }
        #expect(counts.0 == 2)
        #expect(counts.1 > 0)
    }
}
