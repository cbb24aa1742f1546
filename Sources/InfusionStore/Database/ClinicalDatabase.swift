import Foundation
import GRDB
import InfusionCore

/// Errors opening or migrating the database, each with what to do about it.
public enum DatabaseOpenError: Error, CustomStringConvertible {
    case newerSchema(path: String, unknown: [String])
    case migrationFailed(name: String, underlying: any Error)

    public var description: String {
        switch self {
        case .newerSchema(let path, let unknown):
            "The database at \(path) was written by a newer infusiond (unknown migrations: \(unknown.joined(separator: ", "))). Refusing to downgrade it: run the newer infusiond, or restore a backup made by this version."
        case .migrationFailed(let name, let underlying):
            "Migration \(name) failed: \(underlying). The database is unchanged; fix the cause and start again."
        }
    }
}

/// The SQLite database: WAL, `synchronous=FULL`, foreign keys, migrated from the embedded `Migrations/*.sql`.
public final class ClinicalDatabase: Sendable {
    /// GRDB's writer; every write transaction commits with `synchronous=FULL` before it returns.
    public let writer: any DatabaseWriter
    /// Where the database lives, or `:memory:`.
    public let path: String

    /// Opens (creating if needed) the database file and migrates it.
    public init(path: String) throws {
        var configuration = Configuration()
        configuration.prepareDatabase { db in
            try db.execute(sql: "PRAGMA synchronous = FULL")
            try db.execute(sql: "PRAGMA foreign_keys = ON")
        }
        configuration.busyMode = .timeout(10)
        let pool = try DatabasePool(path: path, configuration: configuration)
        // GRDB lowers the writer to synchronous=NORMAL when it enables WAL; durability needs FULL, so set it on
        // the single writer connection afterwards and refuse to run if it did not take.
        let synchronous = try pool.writeWithoutTransaction { db in
            try db.execute(sql: "PRAGMA synchronous = FULL")
            return try Int.fetchOne(db, sql: "PRAGMA synchronous")
        }
        guard synchronous == 2 else {
            throw DatabaseError(message: "could not set synchronous=FULL on \(path) (got \(synchronous ?? -1))")
        }
        self.writer = pool
        self.path = path
        try Self.migrate(pool, path: path)
    }

    /// An in-memory database for tests, migrated like a real one.
    public init() throws {
        var configuration = Configuration()
        configuration.prepareDatabase { db in try db.execute(sql: "PRAGMA foreign_keys = ON") }
        let queue = try DatabaseQueue(configuration: configuration)
        self.writer = queue
        self.path = ":memory:"
        try Self.migrate(queue, path: path)
    }

    /// The embedded migrations, in name order.
    public static var migrator: DatabaseMigrator {
        var migrator = DatabaseMigrator()
        for (name, sql) in EmbeddedMigrations.files {
            let identifier = String(name.dropLast(".sql".count))
            migrator.registerMigration(identifier) { db in try db.execute(sql: sql) }
        }
        return migrator
    }

    /// The number of the newest embedded migration.
    public static var schemaVersion: Int {
        EmbeddedMigrations.files.compactMap { Int($0.name.prefix(4)) }.max() ?? 0
    }

    private static func migrate(_ writer: some DatabaseWriter, path: String) throws {
        let migrator = Self.migrator
        let applied = try writer.read { db in try migrator.appliedIdentifiers(db) }
        let unknown = applied.subtracting(migrator.migrations)
        if !unknown.isEmpty {
            throw DatabaseOpenError.newerSchema(path: path, unknown: unknown.sorted())
        }
        try migrator.migrate(writer)
    }

    /// Ends a graceful stop: copies everything in the write-ahead log into the database file, empties the log and
    /// closes every connection, so a stopped daemon leaves one self-contained file (what backups, `cp` and the
    /// start-up integrity check then see). Nothing may use the database afterwards.
    public func closeAfterCheckpoint() throws {
        guard let pool = writer as? DatabasePool else { return }
        try pool.writeWithoutTransaction { db in
            _ = try db.checkpoint(.truncate)
        }
        try pool.close()
    }

    /// The journal mode and synchronous setting in force, for health checks and tests.
    public func pragmas() async throws -> (journalMode: String, synchronous: Int, foreignKeys: Bool) {
        try await writer.write { db in
            let journal = try String.fetchOne(db, sql: "PRAGMA journal_mode") ?? "?"
            let synchronous = try Int.fetchOne(db, sql: "PRAGMA synchronous") ?? -1
            let foreignKeys = try Bool.fetchOne(db, sql: "PRAGMA foreign_keys") ?? false
            return (journal, synchronous, foreignKeys)
        }
    }
}
