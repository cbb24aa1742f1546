import Crypto
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
        /// The SHA-256 (hex) of the backup file.
        public var backupSHA256: String
        /// The last audit record of the database that was replaced, when it could be read.
        public var replacedHead: (seq: Int64, hash: String)?
        /// The seq of the `database.restore` record written at the end of the restored trail.
        public var restoreRecordSeq: Int64
        /// How the restored trail stands against the audit witness, without checking its signature (the start
        /// does that): the witness's tree size when the restored trail is shorter, else nil.
        public var behindWitness: UInt64?
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
    ///
    /// The restored trail gets one more record, `database.restore`, naming the backup (path and SHA-256), the
    /// backup's last record, the replaced database's last record and the audit witness at `witnessPath`: the
    /// trail then says itself that it forks from the one the key signed before (docs/OPERATIONS.md).
    ///
    /// `origin` adds to (and may override) the record's detail, e.g. a restore from a continuous replica names the
    /// replica and the restored head.
    public static func restore(backup: String, into databasePath: String, witnessPath: String? = nil, origin: [String: JSONValue] = [:],
                               now: Date = Date()) throws -> Outcome {
        let (records, schema) = try check(backup: backup)
        let backupHash = try sha256(file: backup)
        let replaced = databasePath.isEmpty ? nil : replacedFacts(databasePath)
        let witnessNote = witnessPath.flatMap { try? AuditWitness.read(path: $0) }
        let witness = witnessNote.flatMap(AuditWitness.unverifiedCheckpoint)
        let folder = (databasePath as NSString).deletingLastPathComponent
        let temporary = "\(folder.isEmpty ? "." : folder)/.restore-\(UUID().uuidString.lowercased()).sqlite"
        let restoreSeq: Int64
        do {
            var configuration = Configuration()
            configuration.readonly = true
            let source = try DatabaseQueue(path: backup, configuration: configuration)
            let destination = try DatabaseQueue(path: temporary)
            try source.backup(to: destination)
            try source.close()
            // The record needs the current schema (the Merkle tree came with 0002); the daemon would migrate the
            // file at its next start anyway.
            try ClinicalDatabase.migrator.migrate(destination)
            restoreSeq = try destination.write { db in
                let head = try Row.fetchOne(db, sql: "SELECT seq, hash FROM audit_records ORDER BY seq DESC LIMIT 1")
                var detail: [String: JSONValue] = [
                    "backup": .string(backup), "backupSHA256": .string(backupHash),
                    "backupHead": head.map { ["seq": .number(Double($0["seq"] as Int64)), "hash": .string($0["hash"])] } ?? .null,
                    "replacedDatabase": .string(databasePath),
                    "replacedHead": replaced?.json ?? .null,
                    "witness": witness.map { ["treeSize": .number(Double($0.size)), "rootHash": .string($0.rootHash.base64EncodedString()),
                                              "path": .string(witnessPath ?? "")] } ?? .null,
                ]
                detail["explanation"] = .string("The database was replaced by a backup: records after backupHead in the replaced trail (up to replacedHead) are not in this trail, and this trail uses their seqs again from here on.")
                detail.merge(origin) { _, given in given }
                let entry = try AuditLog.append(
                    db, action: "database.restore", actor: AuditActor(person: "infusiond restore", role: "admin", uid: getuid(), pid: getpid()),
                    entity: AuditEntity(type: "database"), detail: .object(detail), at: now)
                return entry.record.seq
            }
            try destination.writeWithoutTransaction { db in try db.execute(sql: "PRAGMA journal_mode = DELETE") }
            try destination.close()
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
        let behind = witness.flatMap { UInt64(restoreSeq) < $0.size ? $0.size : nil }
        return Outcome(restored: databasePath, movedAside: moved, auditRecords: records + 1, schemaVersion: schema,
                       backupSHA256: backupHash, replacedHead: replaced?.head, restoreRecordSeq: restoreSeq, behindWitness: behind)
    }

    /// What the database about to be replaced says about its trail: its last record and tree size, or why it
    /// could not be read (a damaged file is a common reason to restore).
    private static func replacedFacts(_ path: String) -> (head: (seq: Int64, hash: String)?, json: JSONValue)? {
        guard FileManager.default.fileExists(atPath: path) else { return nil }
        do {
            var configuration = Configuration()
            configuration.readonly = true
            let queue = try DatabaseQueue(path: path, configuration: configuration)
            defer { try? queue.close() }
            return try queue.read { db in
                guard let row = try Row.fetchOne(db, sql: "SELECT seq, hash FROM audit_records ORDER BY seq DESC LIMIT 1") else {
                    return (nil, ["seq": .null, "hash": .null])
                }
                let seq: Int64 = row["seq"]
                let hash: String = row["hash"]
                return ((seq, hash), ["seq": .number(Double(seq)), "hash": .string(hash)])
            }
        } catch {
            return (nil, ["unreadable": .string("\(error)")])
        }
    }

    /// The hex SHA-256 of a file, read in 1 MiB pieces.
    static func sha256(file path: String) throws -> String {
        guard let handle = FileHandle(forReadingAtPath: path) else {
            throw RefusedError(description: "cannot read \(path)")
        }
        defer { try? handle.close() }
        var hasher = SHA256()
        while let chunk = try handle.read(upToCount: 1 << 20), !chunk.isEmpty {
            hasher.update(data: chunk)
        }
        return hasher.finalize().lowercaseHex
    }
}
