import Foundation
import GRDB
import InfusionCore
#if canImport(Glibc)
import Glibc
#endif

/// The offline restore behind `infusiond restore`: checks a backup thoroughly, moves the current database aside
/// (never deletes it) and puts the backup in its place, flushed to disk.
public enum DatabaseRestore {
    /// What a restore did.
    public struct Outcome: Sendable {
        /// The database file now holding the backup.
        public var restored: String
        /// Where the previous files went.
        public var movedAside: [String]
        /// The restored audit trail's length.
        public var auditRecords: Int64
        /// The restored schema's newest migration.
        public var schemaVersion: Int
    }

    /// A backup that must not be restored, with why.
    public struct RefusedError: Error, CustomStringConvertible, Sendable {
        public var description: String
    }

    /// Checks the backup (quick_check, a schema this version knows, an intact audit chain) without changing it.
    public static func check(backup: String) throws -> (auditRecords: Int64, schemaVersion: Int) {
        guard FileManager.default.fileExists(atPath: backup) else {
            throw RefusedError(description: "there is no file \(backup)")
        }
        try DatabaseIntegrity.check(path: backup)
        var configuration = Configuration()
        configuration.readonly = true
        let queue = try DatabaseQueue(path: backup, configuration: configuration)
        defer { try? queue.close() }
        return try queue.read { db in
            guard try db.tableExists("grdb_migrations"), try db.tableExists("audit_records") else {
                throw RefusedError(description: "\(backup) is an SQLite file but not an infusiond database")
            }
            let applied = Set(try String.fetchAll(db, sql: "SELECT identifier FROM grdb_migrations"))
            let unknown = applied.subtracting(ClinicalDatabase.migrator.migrations)
            guard unknown.isEmpty else {
                throw RefusedError(description: "\(backup) was written by a newer infusiond (migrations \(unknown.sorted().joined(separator: ", "))); restore it with that version")
            }
            let verification = try AuditLog.verify(db)
            guard verification.ok else {
                throw RefusedError(description: "the audit chain in \(backup) does not verify (\(verification.problem ?? "first bad record \(verification.firstBadSeq.map(String.init) ?? "?")")); choose another backup")
            }
            return (verification.recordsChecked, applied.compactMap { Int($0.prefix(4)) }.max() ?? 0)
        }
    }

    /// Restores `backup` as the database at `databasePath`. The daemon must be stopped (the caller checks).
    public static func restore(backup: String, into databasePath: String, now: Date = Date()) throws -> Outcome {
        let (records, schema) = try check(backup: backup)
        let folder = (databasePath as NSString).deletingLastPathComponent
        let temporary = "\(folder.isEmpty ? "." : folder)/.restore-\(UUID().uuidString.lowercased()).sqlite"
        do {
            var configuration = Configuration()
            configuration.readonly = true
            let source = try DatabaseQueue(path: backup, configuration: configuration)
            let destination = try DatabaseQueue(path: temporary)
            try source.backup(to: destination)
            try destination.writeWithoutTransaction { db in try db.execute(sql: "PRAGMA journal_mode = DELETE") }
            try destination.close()
            try source.close()
            let handle = try FileHandle(forUpdating: URL(fileURLWithPath: temporary))
            try handle.synchronize()
            try handle.close()
        } catch {
            try? FileManager.default.removeItem(atPath: temporary)
            throw error
        }
        let stamp = ISO8601DateFormatter().string(from: now).replacingOccurrences(of: ":", with: "")
        var moved: [String] = []
        for suffix in ["", "-wal", "-shm", "-journal"] where FileManager.default.fileExists(atPath: databasePath + suffix) {
            let aside = "\(databasePath).replaced-\(stamp)\(suffix)"
            try FileManager.default.moveItem(atPath: databasePath + suffix, toPath: aside)
            moved.append(aside)
        }
        try FileManager.default.moveItem(atPath: temporary, toPath: databasePath)
        let directory = open(folder.isEmpty ? "." : folder, O_RDONLY | O_DIRECTORY)
        if directory >= 0 {
            fsync(directory)
            close(directory)
        }
        return Outcome(restored: databasePath, movedAside: moved, auditRecords: records, schemaVersion: schema)
    }
}
