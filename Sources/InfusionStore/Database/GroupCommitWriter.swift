import Foundation
import GRDB
import Synchronization

/// Group commit: write requests that arrive together run one after another, in arrival order, inside ONE
/// transaction, each in its own savepoint, and each caller is answered only after that transaction has committed
/// (with `synchronous=FULL`). Many requests then share one fsync instead of paying one each, without weakening
/// durability: nobody hears "done" before the commit that holds their change.
///
/// A request that throws rolls back only its own savepoint; the others in the batch still commit. If the commit
/// itself fails, every request of the batch is retried alone, so one bad request cannot sink the rest.
///
/// Writes can be closed (``refuseWrites(_:)``, when the database failed its integrity check): from then on every
/// request, queued or new, fails with ``WritesRefused`` without touching the database, except the few marked
/// `evenWhenRefused` (the record of why writes were closed).
public final class GroupCommitWriter: Sendable {
    /// The most requests one transaction takes; bounds the latency a request can add to its batch-mates.
    public let maxBatchSize: Int
    private let writer: any DatabaseWriter
    private let state = Mutex(State())
    private let onCommit: @Sendable (_ batchSize: Int, _ duration: Duration) -> Void
    /// Told after each request's savepoint, in the writer, whether the request's changes stand (released) or were
    /// undone (rolled back): what the store keeps in memory about its changes follows the database.
    private let onJobEnd: @Sendable (_ db: Database, _ succeeded: Bool) -> Void

    private struct State {
        var pending: [Job] = []
        var draining = false
        var refusal: WritesRefused?
    }

    /// One caller's work and how to answer it.
    private final class Job: @unchecked Sendable {
        let run: (Database) -> Void
        let finish: (Result<Void, any Error>) -> Void
        let evenWhenRefused: Bool
        init(run: @escaping (Database) -> Void, finish: @escaping (Result<Void, any Error>) -> Void, evenWhenRefused: Bool) {
            self.run = run
            self.finish = finish
            self.evenWhenRefused = evenWhenRefused
        }
    }

    /// Wraps a GRDB writer; `onCommit` observes each committed batch (size and commit time), e.g. for metrics.
    public init(writer: any DatabaseWriter, maxBatchSize: Int = 256,
                onCommit: @escaping @Sendable (_ batchSize: Int, _ duration: Duration) -> Void = { _, _ in },
                onJobEnd: @escaping @Sendable (_ db: Database, _ succeeded: Bool) -> Void = { _, _ in }) {
        self.writer = writer
        self.maxBatchSize = maxBatchSize
        self.onCommit = onCommit
        self.onJobEnd = onJobEnd
    }

    /// Closes writes for good (until the process restarts): every later request, and every one still queued, fails
    /// with `refusal`. The first refusal stays.
    public func refuseWrites(_ refusal: WritesRefused) {
        state.withLock { state in
            if state.refusal == nil { state.refusal = refusal }
        }
    }

    /// Why writes are closed, or nil while they are accepted.
    public var refusal: WritesRefused? { state.withLock { $0.refusal } }

    /// Runs `body` in the next group transaction and returns its result once that transaction has committed.
    /// - Parameter evenWhenRefused: Run it even after writes were closed: only for the record of why they were.
    /// - Throws: ``WritesRefused`` once writes are closed; otherwise what `body` or the commit threw.
    public func write<T: Sendable>(evenWhenRefused: Bool = false, _ body: @escaping @Sendable (Database) throws -> T) async throws -> T {
        if !evenWhenRefused, let refusal { throw refusal }
        return try await withCheckedThrowingContinuation { (continuation: CheckedContinuation<T, any Error>) in
            // The job's outcome is kept until the batch commits, then handed to the caller.
            let outcome = Mutex<Result<T, any Error>?>(nil)
            let job = Job(
                run: { db in
                    do {
                        var value: T?
                        try db.inSavepoint {
                            value = try body(db)
                            return .commit
                        }
                        self.onJobEnd(db, true)
                        outcome.withLock { $0 = .success(value!) }
                    } catch {
                        self.onJobEnd(db, false)
                        outcome.withLock { $0 = .failure(error) }
                    }
                },
                finish: { committed in
                    switch committed {
                    case .failure(let error):
                        continuation.resume(throwing: error)
                    case .success:
                        let result = outcome.withLock { $0 } ?? .failure(DatabaseError(message: "write job did not run"))
                        continuation.resume(with: result)
                    }
                },
                evenWhenRefused: evenWhenRefused)
            let startDrain = state.withLock { state -> Bool in
                state.pending.append(job)
                if state.draining { return false }
                state.draining = true
                return true
            }
            if startDrain {
                Task { await self.drain() }
            }
        }
    }

    private func drain() async {
        while true {
            let taken = state.withLock { state -> (run: [Job], refused: [Job], refusal: WritesRefused?)? in
                let batch = Array(state.pending.prefix(maxBatchSize))
                state.pending.removeFirst(batch.count)
                if batch.isEmpty {
                    state.draining = false
                    return nil
                }
                // Requests queued before writes closed are refused too: nothing but the exempt commits after the close.
                guard let refusal = state.refusal else { return (batch, [], nil) }
                return (batch.filter(\.evenWhenRefused), batch.filter { !$0.evenWhenRefused }, refusal)
            }
            guard let taken else { return }
            if let refusal = taken.refusal {
                for job in taken.refused { job.finish(.failure(refusal)) }
            }
            if !taken.run.isEmpty { await commit(taken.run) }
        }
    }

    private func commit(_ batch: [Job]) async {
        let clock = ContinuousClock()
        let started = clock.now
        do {
            try await writer.writeWithoutTransaction { db in
                try db.inTransaction(.immediate) {
                    for job in batch { job.run(db) }
                    return .commit
                }
            }
            onCommit(batch.count, clock.now - started)
            for job in batch { job.finish(.success(())) }
        } catch where batch.count > 1 {
            // The shared commit failed (e.g. a deferred constraint); give each request its own transaction.
            for job in batch { await commit([job]) }
        } catch {
            for job in batch { job.finish(.failure(error)) }
        }
    }
}

/// Writes are closed: the store stores nothing more until the daemon restarts on a sound database. Reads still
/// work. Each request that would write fails with this instead of touching the database.
public struct WritesRefused: Error, Sendable, CustomStringConvertible {
    /// Why writes were closed.
    public enum Reason: Sendable {
        /// The database failed its integrity check; the error says what SQLite found and how to restore.
        case damaged(DatabaseDamagedError)
    }

    public var reason: Reason

    public init(_ reason: Reason) {
        self.reason = reason
    }

    public var description: String {
        switch reason {
        case .damaged(let damage): "writes are refused: \(damage)"
        }
    }
}
