import Foundation
import GRDB

/// The start-up integrity check: `PRAGMA quick_check` on an existing database before anything migrates or writes
/// to it, so a damaged file is refused with directions instead of being served (or made worse).
public enum DatabaseIntegrity {
    /// How many of SQLite's problem lines a refusal quotes.
    static let quotedProblems = 5

    /// Checks the database at `path`; a missing or empty file passes (it is about to be created).
    /// - Throws: ``DatabaseDamagedError`` naming the file, SQLite's first findings and how to restore.
    public static func check(path: String) throws {
        let attributes = try? FileManager.default.attributesOfItem(atPath: path)
        guard let size = attributes?[.size] as? NSNumber, size.int64Value > 0 else { return }
        let findings: [String]
        do {
            var configuration = Configuration()
            configuration.label = "integrity-check"
            let queue = try DatabaseQueue(path: path, configuration: configuration)
            defer { try? queue.close() }
            findings = try queue.read { db in try String.fetchAll(db, sql: "PRAGMA quick_check") }
        } catch let error as DatabaseError
                    where [.SQLITE_CORRUPT, .SQLITE_NOTADB, .SQLITE_IOERR].contains(error.resultCode) {
            throw DatabaseDamagedError(path: path, findings: ["\(error.resultCode): \(error.message ?? "")"])
        }
        guard findings == ["ok"] else {
            throw DatabaseDamagedError(path: path, findings: Array(findings.prefix(quotedProblems)))
        }
    }
}

/// The database failed its integrity check; the message says how to restore.
public struct DatabaseDamagedError: Error, CustomStringConvertible, Sendable {
    /// The damaged file.
    public var path: String
    /// SQLite's first findings.
    public var findings: [String]

    public var description: String {
        """
        The database \(path) is damaged (PRAGMA quick_check: \(findings.joined(separator: "; "))). \
        infusiond will not serve a damaged clinical record. Restore the latest backup: stop infusiond, move \(path) \
        and any \(path)-wal and \(path)-shm aside (keep them for investigation), then run \
        `infusiond restore BACKUP-FILE` as the daemon's user and start infusiond again. \
        `infusionctl db restore --help` and docs/OPERATIONS.md (Restore) give the steps.
        """
    }
}
