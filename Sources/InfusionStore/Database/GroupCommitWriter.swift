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
public final class GroupCommitWriter: Sendable {
    /// The most requests one transaction takes; bounds the latency a request can add to its batch-mates.
    public let maxBatchSize: Int
    private let writer: any DatabaseWriter
    private let state = Mutex(State())
    private let onCommit: @Sendable (_ batchSize: Int, _ duration: Duration) -> Void

    private struct State {
        var pending: [Job] = []
        var draining = false
    }

    /// One caller's work and how to answer it.
    private final class Job: @unchecked Sendable {
        let run: (Database) -> Void
        let finish: (Result<Void, any Error>) -> Void
        init(run: @escaping (Database) -> Void, finish: @escaping (Result<Void, any Error>) -> Void) {
            self.run = run
            self.finish = finish
        }
    }

    /// Wraps a GRDB writer; `onCommit` observes each committed batch (size and commit time), e.g. for metrics.
    public init(writer: any DatabaseWriter, maxBatchSize: Int = 256,
                onCommit: @escaping @Sendable (_ batchSize: Int, _ duration: Duration) -> Void = { _, _ in }) {
        self.writer = writer
        self.maxBatchSize = maxBatchSize
        self.onCommit = onCommit
    }

    /// Runs `body` in the next group transaction and returns its result once that transaction has committed.
    public func write<T: Sendable>(_ body: @escaping @Sendable (Database) throws -> T) async throws -> T {
        try await withCheckedThrowingContinuation { (continuation: CheckedContinuation<T, any Error>) in
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
                        outcome.withLock { $0 = .success(value!) }
                    } catch {
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
                })
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
            let batch = state.withLock { state -> [Job] in
                let batch = Array(state.pending.prefix(maxBatchSize))
                state.pending.removeFirst(batch.count)
                if batch.isEmpty { state.draining = false }
                return batch
            }
            if batch.isEmpty { return }
            await commit(batch)
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
