import Foundation
import GRDB
import InfusionCore
import Synchronization

/// The open sessions' snapshots, owned by the store's single writer. A write job reads and changes them through a
/// ``Staging`` of its own; what a job changed joins its batch when the job's savepoint is released (group commit
/// says so through `jobEnded`), and becomes the committed snapshot only when the batch's transaction commits (a rollback drops it, and the next job reads the
/// record again). Timers and views read only committed snapshots.
final class SnapshotCache: Sendable {
    private struct State {
        var committed: [UUID: SessionSnapshot] = [:]
        /// Changed by the write job in progress, until its savepoint is released or rolled back.
        var job: [UUID: SessionSnapshot] = [:]
        /// Changed by jobs of the transaction in progress, not yet committed.
        var batch: [UUID: SessionSnapshot] = [:]
        var batchObserved = false
        /// Whether every open session has been loaded into `committed`.
        var allOpenLoaded = false
    }

    private let state = Mutex(State())

    /// What one write job has read and changed.
    struct Staging {
        var changed: [UUID: SessionSnapshot] = [:]
    }

    /// The snapshot a job sees: its own change, else its batch's, else the committed one; nil when not held.
    func snapshot(_ id: UUID, staging: Staging) -> SessionSnapshot? {
        if let own = staging.changed[id] { return own }
        return state.withLock { $0.job[id] ?? $0.batch[id] ?? $0.committed[id] }
    }

    /// Every committed snapshot.
    var committed: [SessionSnapshot] { state.withLock { Array($0.committed.values) } }

    /// Whether every open session is held.
    var allOpenLoaded: Bool { state.withLock { $0.allOpenLoaded } }

    /// Adds snapshots read from committed data outside any write; a snapshot a write has committed since wins.
    func adoptLoaded(_ snapshots: [SessionSnapshot]) {
        state.withLock { state in
            for snapshot in snapshots where state.committed[snapshot.session.id] == nil {
                state.committed[snapshot.session.id] = snapshot
            }
            state.allOpenLoaded = true
        }
    }

    /// A step's changes join the write job in progress.
    func stage(_ staging: Staging) {
        guard !staging.changed.isEmpty else { return }
        state.withLock { $0.job.merge(staging.changed) { _, new in new } }
    }

    /// The write job ended: its changes join the transaction's batch if its savepoint was released, and are dropped
    /// if it was rolled back; the batch becomes committed only when the transaction commits.
    func jobEnded(db: Database, succeeded: Bool) {
        let observe = state.withLock { state -> Bool in
            guard !state.job.isEmpty else { return false }
            defer { state.job = [:] }
            guard succeeded else { return false }
            state.batch.merge(state.job) { _, new in new }
            defer { state.batchObserved = true }
            return !state.batchObserved
        }
        guard observe else { return }
        db.afterNextTransaction(
            onCommit: { [self] _ in
                state.withLock { state in
                    for (id, snapshot) in state.batch {
                        state.committed[id] = snapshot.session.state == .closed ? nil : snapshot
                    }
                    state.batch = [:]
                    state.batchObserved = false
                }
            },
            onRollback: { [self] _ in
                state.withLock { state in
                    state.batch = [:]
                    state.batchObserved = false
                }
            })
    }
}
