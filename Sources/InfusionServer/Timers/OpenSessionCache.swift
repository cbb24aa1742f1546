import Foundation
import InfusionCore
import Synchronization

/// What a timer keeps of each open session between ticks, reloaded only when the session has a newer event, and
/// dropped once the session is closed: the clinical clock and the schedule timer share it.
final class OpenSessionCache<History: Sendable>: Sendable {
    /// A session, the history a timer folded from its events, and the sequence of the last event folded in.
    struct Entry: Sendable {
        var sequence: Int64
        var session: Session
        var history: History
    }

    private let entries = Mutex<[UUID: Entry]>([:])

    /// Brings the cache up to date with `open` (each open session and its latest event's sequence) and returns every
    /// open session's entry. `load` is called only for sessions that are new or have newer events, with their
    /// previous entry when there is one.
    func refresh(
        open: [(id: UUID, sequence: Int64)], load: (UUID, Int64, Entry?) async throws -> Entry
    ) async throws -> [Entry] {
        let known = entries.withLock { $0 }
        var fresh: [UUID: Entry] = [:]
        for (id, sequence) in open where known[id]?.sequence != sequence {
            fresh[id] = try await load(id, sequence, known[id])
        }
        let openIds = Set(open.map(\.id))
        return entries.withLock { entries in
            entries = entries.filter { openIds.contains($0.key) }.merging(fresh) { _, new in new }
            return Array(entries.values)
        }
    }
}
