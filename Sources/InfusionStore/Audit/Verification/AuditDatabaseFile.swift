import Foundation
import GRDB
import InfusionCore

/// Verifies the audit trail of a database file offline (a copy, a backup, or the live file beside a running
/// daemon): opened read-only, never migrated or written.
public enum AuditDatabaseFile {
    /// Walks the trail in `path` as ``AuditLog/verify(_:trustedKey:earlier:progress:)`` does, plus any earlier
    /// signed checkpoints the auditor kept (each checked with `trustedKey`, which is then required).
    public static func verify(
        path: String, trustedKey: NoteVerifier?, earlierNotes: [(note: String, label: String)] = [],
        progress: (@Sendable (Int64) -> Void)? = nil
    ) throws -> AuditVerification {
        guard FileManager.default.fileExists(atPath: path) else {
            throw VerificationInputError(description: "there is no file \(path)")
        }
        var earlier: [(checkpoint: Checkpoint, label: String)] = []
        for (note, label) in earlierNotes {
            guard let trustedKey else {
                throw VerificationInputError(description: "checking \(label) needs the trusted public key (--pubkey)")
            }
            do {
                earlier.append((try Checkpoint(signedNote: note, verifier: trustedKey), label))
            } catch {
                return AuditVerification(ok: false, recordsChecked: 0, lastSeq: 0, lastHash: "",
                                         problem: "\(label) does not verify: \(error)", failure: .badSignature)
            }
        }
        let queue = try openReadOnly(path)
        defer { try? queue.close() }
        return try queue.read { db in
            guard try db.tableExists("audit_records") else {
                throw VerificationInputError(description: "\(path) is not an infusiond database (it has no audit_records table)")
            }
            return try AuditLog.verify(db, trustedKey: trustedKey, earlier: earlier, progress: progress)
        }
    }

    /// How the trail in the database file at `path` stands against an audit witness note. The note's signature is
    /// checked with `trustedKey`, or without one with the key the database stored beside its newest checkpoint.
    public static func compareWitness(path: String, note: String, trustedKey: NoteVerifier?) throws -> AuditWitness.Finding {
        let queue = try openReadOnly(path)
        defer { try? queue.close() }
        return try queue.read { db in
            let key: NoteVerifier
            if let trustedKey {
                key = trustedKey
            } else if let stored = try AuditCheckpointLog.latest(db), let storedKey = try? NoteVerifier(verifierKey: stored.verifierKey) {
                key = storedKey
            } else {
                return .unreadable("no key to check it with: pass --pubkey")
            }
            guard try db.tableExists("audit_tree") else {
                throw VerificationInputError(description: "\(path) predates the audit Merkle tree; start a daemon on a copy to build it, then compare")
            }
            return try AuditWitness.compare(db, note: note, verifier: key)
        }
    }

    /// Opens the database file at `path` read-only, or says why it cannot be read.
    static func openReadOnly(_ path: String) throws -> DatabaseQueue {
        var configuration = Configuration()
        configuration.readonly = true
        do {
            return try DatabaseQueue(path: path, configuration: configuration)
        } catch {
            throw VerificationInputError(description: "cannot open \(path) read-only as SQLite: \(error). If it is a live database in WAL mode, its folder must hold (or allow) the -wal and -shm files.")
        }
    }
}
