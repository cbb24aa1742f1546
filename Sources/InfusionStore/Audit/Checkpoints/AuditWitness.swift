import Foundation
import GRDB
import InfusionCore
#if canImport(Glibc)
import Glibc
#endif

/// The audit witness: the newest signed checkpoint, kept in a small file outside the database.
///
/// Everything the database says about itself goes back with it when it is restored from a backup, replaced or
/// rolled back, including its checkpoints. The witness does not: a database whose trail does not reach the
/// witness's size, or reaches it with another root, is a different trail than the one the key last signed, and
/// the daemon refuses to continue it silently (``compare(_:note:verifier:)``).
public enum AuditWitness {
    /// How a database's trail stands against the witness.
    public enum Finding: Sendable, Equatable {
        /// No witness file yet (first start, or a version that kept none).
        case none
        /// The trail reproduces the witness's root at its size (and may have grown since).
        case consistent(Checkpoint)
        /// The trail holds fewer records than the witness covers.
        case behind(witness: Checkpoint, treeSize: UInt64)
        /// The trail is long enough but its first `witness.size` records have another root.
        case diverged(witness: Checkpoint, treeSize: UInt64)
        /// The witness cannot be read, or its signature is not by the daemon's key.
        case unreadable(String)

        /// Whether the trail is not the one the witness vouches for.
        public var isFork: Bool {
            switch self {
            case .none, .consistent: false
            case .behind, .diverged, .unreadable: true
            }
        }

        /// The finding in a few words for records and messages.
        public var name: String {
            switch self {
            case .none: "noWitness"
            case .consistent: "consistent"
            case .behind: "behind"
            case .diverged: "diverged"
            case .unreadable: "unreadableWitness"
            }
        }

        /// A sentence for people.
        public var explanation: String {
            switch self {
            case .none: "there is no witness checkpoint yet"
            case .consistent(let witness): "the trail extends the witness checkpoint of \(witness.size) records"
            case .behind(let witness, let size):
                "the database's audit trail holds \(size) records but the key last signed a checkpoint of \(witness.size) records (root \(witness.rootHash.base64EncodedString())): records \(size + 1)…\(witness.size) are not in this database, so it was restored from a backup, replaced or rolled back"
            case .diverged(let witness, let size):
                "the database's audit trail holds \(size) records, but its first \(witness.size) do not reproduce the root \(witness.rootHash.base64EncodedString()) the key signed for them: this is another trail than the one last signed (a restored or replaced database that has since grown)"
            case .unreadable(let why): "the witness checkpoint cannot be used: \(why)"
            }
        }
    }

    /// The witness note at `path`, or nil when there is no file.
    public static func read(path: String) throws -> String? {
        guard FileManager.default.fileExists(atPath: path) else { return nil }
        return try String(contentsOfFile: path, encoding: .utf8)
    }

    /// Replaces the witness with `note` atomically and durably: a crash leaves the old witness or the new one.
    public static func write(note: String, path: String) throws {
        let folder = (path as NSString).deletingLastPathComponent
        let temporary = "\(folder.isEmpty ? "." : folder)/.\((path as NSString).lastPathComponent).\(getpid()).tmp"
        let fd = open(temporary, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0o640)
        guard fd >= 0 else { throw WitnessError(description: "cannot write \(temporary): \(String(cString: strerror(errno)))") }
        let bytes = Array(note.utf8)
        let written = bytes.withUnsafeBytes { Glibc.write(fd, $0.baseAddress, $0.count) }
        let synced = fsync(fd) == 0
        close(fd)
        guard written == bytes.count, synced, rename(temporary, path) == 0 else {
            let reason = String(cString: strerror(errno))
            unlink(temporary)
            throw WitnessError(description: "cannot replace the audit witness \(path): \(reason)")
        }
        let directory = open(folder.isEmpty ? "." : folder, O_RDONLY | O_DIRECTORY | O_CLOEXEC)
        if directory >= 0 {
            fsync(directory)
            close(directory)
        }
    }

    /// The checkpoint in a witness note, read without checking its signature (for reports where no key is at
    /// hand); nil when the note is not a checkpoint.
    public static func unverifiedCheckpoint(_ note: String) -> Checkpoint? {
        guard let parsed = try? SignedNote(parsing: note) else { return nil }
        return try? Checkpoint(text: parsed.text)
    }

    /// Compares the trail in `db` with the witness note (nil: no witness), checking its signature with `verifier`.
    public static func compare(_ db: Database, note: String?, verifier: NoteVerifier) throws -> Finding {
        guard let note else { return .none }
        let witness: Checkpoint
        do {
            witness = try Checkpoint(signedNote: note, verifier: verifier)
        } catch {
            return .unreadable("\(error)")
        }
        let treeSize = try AuditTree.size(db)
        guard treeSize >= witness.size else { return .behind(witness: witness, treeSize: treeSize) }
        guard witness.size > 0 else { return .consistent(witness) }
        guard try AuditTree.root(db, size: witness.size) == witness.rootHash else {
            return .diverged(witness: witness, treeSize: treeSize)
        }
        return .consistent(witness)
    }

    /// The witness file cannot be written or read.
    public struct WitnessError: Error, CustomStringConvertible, Sendable {
        public var description: String
    }
}
