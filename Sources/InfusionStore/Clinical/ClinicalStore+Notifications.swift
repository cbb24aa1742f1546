import Foundation
import GRDB
import InfusionCore

/// A running observation of committed changes; the observation stops when this is cancelled or released.
public final class CommitObservation: Sendable {
    private let cancellable: AnyDatabaseCancellable

    init(_ cancellable: AnyDatabaseCancellable) {
        self.cancellable = cancellable
    }

    /// Stops the observation.
    public func cancel() { cancellable.cancel() }
}

extension ClinicalStore {
    /// Calls `onCommit` after every committed transaction that changed one of `tables`, never before the commit,
    /// so whatever it announces is already durable. `onCommit` runs on the database's writer queue: keep it short.
    public func observeCommits(to tables: [String], onCommit: @escaping @Sendable () -> Void) -> CommitObservation {
        let observation = DatabaseRegionObservation(tracking: tables.map { Table($0) })
        let cancellable = observation.start(in: writer, onError: { _ in }, onChange: { _ in onCommit() })
        return CommitObservation(AnyDatabaseCancellable(cancellable))
    }
}
