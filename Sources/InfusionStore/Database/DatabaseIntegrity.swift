import Foundation
import GRDB
import GRDBSQLite
import Synchronization
#if canImport(Glibc)
import Glibc
#endif

/// `PRAGMA quick_check`: of a file before it is used (a backup about to be restored), or of the live database in
/// the background while the daemon serves (``quickCheck(_:maxFindings:)``).
///
/// The live check is not part of starting: it reads every page, so it takes time in proportion to the database
/// (about 5 s per million stored events), and a daemon that waited for it would keep the ward without alerts that
/// long at every restart. A file that is not a database at all fails to open instead (``damage(path:openError:)``).
public enum DatabaseIntegrity {
    /// How many of SQLite's problem lines a refusal quotes.
    public static let quotedProblems = 5

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
        } catch {
            if let damage = damage(path: path, openError: error) { throw damage }
            throw error
        }
        guard findings == ["ok"] else {
            throw DatabaseDamagedError(path: path, findings: Array(findings.prefix(quotedProblems)))
        }
    }

    /// The refusal for an error met while opening, migrating or first reading the database at `path`, when that
    /// error means the file is damaged or not a database (`SQLITE_CORRUPT`, `SQLITE_NOTADB`, `SQLITE_IOERR`);
    /// nil for any other error.
    public static func damage(path: String, openError error: any Error) -> DatabaseDamagedError? {
        let error = (error as? DatabaseOpenError).flatMap { opening -> (any Error)? in
            if case .migrationFailed(_, let underlying) = opening { underlying } else { nil }
        } ?? error
        guard let error = error as? DatabaseError,
              [.SQLITE_CORRUPT, .SQLITE_NOTADB, .SQLITE_IOERR].contains(error.resultCode) else { return nil }
        return DatabaseDamagedError(path: path, findings: [finding(error)])
    }

    /// SQLite's error as one finding, e.g. `SQLITE_NOTADB: file is not a database`.
    static func finding(_ error: DatabaseError) -> String {
        let name = switch error.resultCode {
        case .SQLITE_CORRUPT: "SQLITE_CORRUPT"
        case .SQLITE_NOTADB: "SQLITE_NOTADB"
        case .SQLITE_IOERR: "SQLITE_IOERR"
        default: "\(error.resultCode)"
        }
        return "\(name): \(error.message ?? "no message")"
    }

    /// The damage an error raised by a background check reveals: SQLite met a page it cannot read as a database
    /// page (`SQLITE_CORRUPT`, `SQLITE_NOTADB`) instead of reporting it as a finding. Nil for any other error (an
    /// interruption, an I/O error that may pass), which is not a verdict on the file.
    public static func damage(path: String, checkError error: any Error) -> DatabaseDamagedError? {
        guard let error = error as? DatabaseError, [.SQLITE_CORRUPT, .SQLITE_NOTADB].contains(error.resultCode) else { return nil }
        return DatabaseDamagedError(path: path, findings: [finding(error)])
    }

    /// What one check found and how long it took.
    public struct Report: Sendable, Hashable {
        /// SQLite's lines: `["ok"]` for a sound database, else its first findings.
        public var findings: [String]
        public var duration: Duration

        public init(findings: [String], duration: Duration) {
            self.findings = findings
            self.duration = duration
        }

        /// Whether the database passed.
        public var passed: Bool { findings == ["ok"] }
    }

    /// The nice value of the thread a background check runs on: it yields the processor to request handling,
    /// timers and commits, and takes what is left.
    static let checkThreadNice: Int32 = 10

    /// Runs `PRAGMA quick_check` on the live database through one of its pool's read connections.
    ///
    /// In WAL mode a reader holds no lock that stops the writer, so requests and timers commit while it runs; it
    /// reads the snapshot it started with. The check runs on a thread of its own at a low priority (nice 10), never
    /// on one of Swift's few cooperative threads, which it would block for seconds. Cancelling the calling task
    /// interrupts SQLite (`sqlite3_interrupt` on that connection only) and ends with `CancellationError`, so a
    /// graceful stop never waits for a check of a large database; an interrupted check never reports findings.
    ///
    /// An error SQLite raises while reading (`SQLITE_CORRUPT`, …) is thrown as it is: the caller decides what it
    /// means.
    public static func quickCheck(_ database: ClinicalDatabase, maxFindings: Int = quotedProblems) async throws -> Report {
        let (findings, duration) = try await readInBackground(database, sql: "PRAGMA quick_check(\(max(1, maxFindings)))")
        return Report(findings: findings, duration: duration)
    }

    /// Runs one read statement returning text rows the way ``quickCheck(_:maxFindings:)`` does (a pool reader, a
    /// thread of its own at nice 10, interrupted on cancellation) and returns its rows and how long it ran.
    static func readInBackground(_ database: ClinicalDatabase, sql: String) async throws -> (rows: [String], duration: Duration) {
        let writer = database.writer
        let run = CheckRun()
        return try await withTaskCancellationHandler {
            try await withCheckedThrowingContinuation { (continuation: CheckedContinuation<(rows: [String], duration: Duration), any Error>) in
                let thread = Thread {
                    // On Linux the nice value belongs to the thread, so this lowers only the check.
                    _ = setpriority(__priority_which_t(PRIO_PROCESS.rawValue), 0, checkThreadNice)
                    nameThisThread(checkThreadName)
                    let started = ContinuousClock.now
                    let outcome = Result<(rows: [String], duration: Duration), any Error> {
                        let rows = try writer.read { db -> [String] in
                            try run.running(db.sqliteConnection) { try String.fetchAll(db, sql: sql) }
                        }
                        return (rows, ContinuousClock.now - started)
                    }
                    continuation.resume(with: run.finish(outcome))
                }
                thread.start()
            }
        } onCancel: {
            run.interrupt()
        }
    }

    /// The name of the thread a background check runs on (what `top -H` and /proc show).
    static let checkThreadName = "infusiond-check"

    /// Names the calling thread (Linux: its `comm`, at most 15 bytes), so `top -H` shows what it is.
    private static func nameThisThread(_ name: String) {
        let fd = open("/proc/thread-self/comm", O_WRONLY | O_CLOEXEC)
        guard fd >= 0 else { return }
        defer { close(fd) }
        _ = name.withCString { write(fd, $0, strlen($0)) }
    }

    /// One background check's connection, so a cancellation can interrupt exactly that connection while (and only
    /// while) the check runs on it.
    final class CheckRun: Sendable {
        private struct Connection: @unchecked Sendable {
            var handle: SQLiteConnection?
        }

        private struct State: Sendable {
            var connection: Connection?
            var cancelled = false
            var finished = false
        }

        private let state = Mutex(State())

        /// Runs `body` with the connection registered for interruption; throws `CancellationError` at once when the
        /// check was already cancelled.
        func running<T>(_ connection: SQLiteConnection?, _ body: () throws -> T) throws -> T {
            let cancelled = state.withLock { state -> Bool in
                state.connection = Connection(handle: connection)
                return state.cancelled
            }
            defer { state.withLock { $0.connection = nil } }
            if cancelled { throw CancellationError() }
            return try body()
        }

        /// Interrupts the check. SQLite forgets an interrupt that arrives just before its statement starts, so it
        /// is repeated every 5 ms until the check has ended (at most 10 s).
        func interrupt() {
            state.withLock { $0.cancelled = true }
            DispatchQueue.global().async {
                for _ in 0..<2000 {
                    let finished = self.state.withLock { state -> Bool in
                        // Under the lock the connection cannot be handed back (and closed) by `running`.
                        if let handle = state.connection?.handle { sqlite3_interrupt(handle) }
                        return state.finished
                    }
                    if finished { return }
                    usleep(5000)
                }
            }
        }

        /// The result to report: a cancelled check reports `CancellationError`, whatever SQLite said.
        func finish<T>(_ outcome: Result<T, any Error>) -> Result<T, any Error> {
            let cancelled = state.withLock { state -> Bool in
                state.finished = true
                return state.cancelled
            }
            return cancelled ? .failure(CancellationError()) : outcome
        }
    }
}

/// The database failed its integrity check; the message says how to restore.
public struct DatabaseDamagedError: Error, CustomStringConvertible, Sendable, Hashable {
    /// The damaged file.
    public var path: String
    /// SQLite's first findings.
    public var findings: [String]

    public init(path: String, findings: [String]) {
        self.path = path
        self.findings = findings
    }

    public var description: String {
        """
        The database \(path) is damaged (PRAGMA quick_check: \(findings.joined(separator: "; "))). \
        infusiond will not serve a damaged clinical record. \(restoreDirections)
        """
    }

    /// What the operator does about it: restore the latest backup, keeping the damaged files.
    public var restoreDirections: String {
        """
        Restore the latest backup: stop infusiond, move \(path) \
        and any \(path)-wal and \(path)-shm aside (keep them for investigation), then run \
        `infusiond restore BACKUP-FILE` as the daemon's user and start infusiond again. \
        `infusionctl db restore --help` and docs/OPERATIONS.md (Restore) give the steps.
        """
    }
}
