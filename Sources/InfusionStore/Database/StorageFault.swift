import GRDB
import InfusionCore

/// A write that failed because of the storage under the database rather than the request: the disk is full, or
/// the disk, file system or file is failing. The daemon stays up, keeps serving reads, and writes succeed again by
/// themselves once the cause is fixed (each request is its own transaction; nothing half-written remains).
public enum StorageFault: Sendable, Hashable {
    /// `SQLITE_FULL`: no space left on the volume holding the database or its WAL.
    case full
    /// An I/O error, a file system gone read-only, or a database file that can no longer be opened or read.
    case unavailable(reason: String)

    /// Classifies an error; nil when it is not a storage fault.
    public init?(_ error: any Error) {
        guard let error = error as? DatabaseError else { return nil }
        switch error.resultCode {
        case .SQLITE_FULL:
            self = .full
        case .SQLITE_IOERR, .SQLITE_CANTOPEN, .SQLITE_READONLY, .SQLITE_CORRUPT, .SQLITE_NOTADB, .SQLITE_PROTOCOL:
            self = .unavailable(reason: "\(error.extendedResultCode)" + (error.message.map { ": \($0)" } ?? ""))
        default:
            return nil
        }
    }

    /// A short label for metrics and logs: `full` or `io`.
    public var kind: String {
        switch self {
        case .full: "full"
        case .unavailable: "io"
        }
    }
}
