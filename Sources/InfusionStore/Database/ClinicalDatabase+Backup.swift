import Crypto
import Dispatch
import Foundation
import GRDB
import InfusionCore

/// What an online backup produced.
public struct BackupSummary: Sendable, Hashable {
    /// The finished copy.
    public var path: String
    /// Its size in bytes.
    public var bytes: Int64
    /// Hex SHA-256 of the file, so a receiver can check it arrived whole.
    public var sha256: String
    /// The last audit record's seq in the copy.
    public var auditSeq: Int64
    /// The newest migration in the copy.
    public var schemaVersion: Int
}

extension ClinicalDatabase {
    /// Copies the live database into a new single-file database at `path` with SQLite's online backup API.
    ///
    /// The copy is read inside one read transaction, so it is a consistent snapshot of everything committed when
    /// it began; writers carry on meanwhile (WAL). The copy is switched to `journal_mode=DELETE` (one
    /// self-contained file), passes `PRAGMA quick_check`, and is flushed to disk before this returns. On any
    /// failure the partial file is removed.
    public func backup(to path: String) async throws -> BackupSummary {
        let source = writer
        return try await withCheckedThrowingContinuation { continuation in
            // The backup API is synchronous and may take seconds on a large file: keep it off Swift's
            // cooperative threads.
            DispatchQueue.global(qos: .utility).async {
                continuation.resume(with: Result { try Self.copy(from: source, to: path) })
            }
        }
    }

    private static func copy(from source: any DatabaseWriter, to path: String) throws -> BackupSummary {
        guard !FileManager.default.fileExists(atPath: path) else {
            throw DatabaseError(message: "backup target \(path) already exists")
        }
        do {
            let destination = try DatabaseQueue(path: path)
            try source.backup(to: destination)
            let (auditSeq, schema) = try destination.writeWithoutTransaction { db -> (Int64, Int) in
                try db.execute(sql: "PRAGMA journal_mode = DELETE")
                let check = try String.fetchAll(db, sql: "PRAGMA quick_check")
                guard check == ["ok"] else {
                    throw DatabaseError(message: "the backup copy failed quick_check: \(check.prefix(3).joined(separator: "; "))")
                }
                let seq = try Int64.fetchOne(db, sql: "SELECT COALESCE(MAX(seq), 0) FROM audit_records") ?? 0
                let applied = try String.fetchAll(db, sql: "SELECT identifier FROM grdb_migrations")
                return (seq, applied.compactMap { Int($0.prefix(4)) }.max() ?? 0)
            }
            try destination.close()
            let (bytes, digest) = try fileDigest(path)
            return BackupSummary(path: path, bytes: bytes, sha256: digest, auditSeq: auditSeq, schemaVersion: schema)
        } catch {
            for suffix in ["", "-journal", "-wal", "-shm"] {
                try? FileManager.default.removeItem(atPath: path + suffix)
            }
            throw error
        }
    }

    /// Size and hex SHA-256 of a file, after flushing it to disk.
    static func fileDigest(_ path: String) throws -> (Int64, String) {
        let handle = try FileHandle(forUpdating: URL(fileURLWithPath: path))
        defer { try? handle.close() }
        try handle.synchronize()
        var hasher = SHA256()
        var bytes: Int64 = 0
        while let chunk = try handle.read(upToCount: 1 << 20), !chunk.isEmpty {
            hasher.update(data: chunk)
            bytes += Int64(chunk.count)
        }
        return (bytes, hasher.finalize().lowercaseHex)
    }
}
