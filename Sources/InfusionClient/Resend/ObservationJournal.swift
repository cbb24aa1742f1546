import Foundation
import Synchronization

/// The observations a station sent recently, each with the store epoch of the daemon that acknowledged it.
///
/// The daemon's database is replicated continuously but not synchronously: a host lost and restored from its replica
/// comes back without the last seconds of commits, observations it had acknowledged among them. The restored daemon
/// serves a new store epoch (`Infusion-Store-Epoch` on every answer, `storeEpoch` in health). A client that keeps
/// this journal sees the change and resends, by `eventId` and byte for byte, what the old epoch acknowledged:
/// the daemon stores what it lost (`201`) and answers `200` for what it kept, so resending is always safe.
///
/// Entries are kept for `window` (default 15 minutes, far beyond the seconds a replica lags) and at most `capacity`
/// of them, oldest dropped first. One journal may be shared by every task of a station.
public final class ObservationJournal: Sendable {
    /// One acknowledged observation.
    public struct Entry: Sendable, Hashable {
        public var sessionId: UUID
        public var eventId: UUID
        /// The exact request body that was acknowledged, resent unchanged so idempotency recognises it.
        public var body: Data
        public var acknowledgedAt: Date
        /// The epoch of the daemon that acknowledged it (nil from a daemon without epochs).
        public var epoch: String?

        public init(sessionId: UUID, eventId: UUID, body: Data, acknowledgedAt: Date, epoch: String?) {
            self.sessionId = sessionId
            self.eventId = eventId
            self.body = body
            self.acknowledgedAt = acknowledgedAt
            self.epoch = epoch
        }
    }

    private struct State {
        var entries: [Entry] = []
        var knownEpoch: String?
        var reports: [ResendReport] = []
        var inFlight: Set<UUID> = []
    }

    private let state = Mutex(State())
    /// How long an acknowledged observation is kept for resending.
    public let window: Duration
    /// How many are kept at most.
    public let capacity: Int

    public init(window: Duration = .seconds(900), capacity: Int = 10_000) {
        self.window = window
        self.capacity = max(1, capacity)
    }

    /// The epoch the journal last saw, or nil before the first answer that carried one.
    public var knownEpoch: String? { state.withLock { $0.knownEpoch } }

    /// The observations held, oldest first.
    public var entries: [Entry] { state.withLock { $0.entries } }

    /// Every resend so far, oldest first.
    public var reports: [ResendReport] { state.withLock { $0.reports } }

    /// Learns the epoch of an answer and hands out what must be resent: the entries another epoch acknowledged
    /// (oldest first), each to one caller only. Nil when the epoch is the one known and nothing is pending, or
    /// when it is the first epoch seen.
    func observeEpoch(_ epoch: String?) -> (previous: String?, entries: [Entry])? {
        guard let epoch else { return nil }
        return state.withLock { state in
            guard let known = state.knownEpoch else {
                state.knownEpoch = epoch
                return nil
            }
            state.knownEpoch = epoch
            let pending = state.entries.filter { $0.epoch != epoch && !state.inFlight.contains($0.eventId) }
            guard known != epoch || !pending.isEmpty else { return nil }
            state.inFlight.formUnion(pending.map(\.eventId))
            return (known, pending)
        }
    }

    /// Records an acknowledged observation. Returns true when the epoch that acknowledged it is no longer the one
    /// the journal knows (its answer was overtaken by a restore), so it must be resent at once; it is then handed
    /// to the caller as in flight.
    func record(_ entry: Entry, now: Date = Date()) -> Bool {
        state.withLock { state in
            let horizon = now.addingTimeInterval(-Self.seconds(window))
            state.entries.removeAll { $0.acknowledgedAt < horizon || $0.eventId == entry.eventId }
            state.entries.append(entry)
            if state.entries.count > capacity { state.entries.removeFirst(state.entries.count - capacity) }
            if state.knownEpoch == nil { state.knownEpoch = entry.epoch }
            let overtaken = entry.epoch != nil && state.knownEpoch != nil && entry.epoch != state.knownEpoch
            if overtaken { state.inFlight.insert(entry.eventId) }
            return overtaken
        }
    }

    /// Ends a resend: entries the daemon holds now belong to `epoch`; entries it refused are dropped (the report
    /// says why); entries that could not be sent stay, to go with the next answer.
    func finish(held: Set<UUID>, refused: Set<UUID>, all: [UUID], epoch: String?) {
        state.withLock { state in
            for index in state.entries.indices where held.contains(state.entries[index].eventId) {
                state.entries[index].epoch = epoch
            }
            state.entries.removeAll { refused.contains($0.eventId) }
            state.inFlight.subtract(all)
        }
    }

    func append(_ report: ResendReport) {
        state.withLock { $0.reports.append(report) }
    }

    private static func seconds(_ duration: Duration) -> TimeInterval {
        Double(duration.components.seconds) + Double(duration.components.attoseconds) / 1e18
    }
}

/// What one resend after a change of store epoch did.
public struct ResendReport: Sendable, Hashable {
    /// The epoch the resent observations were acknowledged under.
    public var previousEpoch: String?
    /// The epoch the daemon serves now.
    public var epoch: String?
    /// Observations the restored daemon did not have and stored now (`201`): what the restore had lost.
    public var restored: [UUID]
    /// Observations it still had (`200`).
    public var alreadyStored: [UUID]
    /// Observations it refused (dropped from the journal: e.g. `session.notFound` when the session itself was lost,
    /// for a person to re-enter) or that could not be sent (kept, and resent with the next answer), with why.
    public var failed: [Failure]

    /// One observation that was not taken back.
    public struct Failure: Sendable, Hashable {
        public var eventId: UUID
        public var sessionId: UUID
        /// The problem's code (e.g. `session.notFound` when the session itself was lost) or the transport error.
        public var reason: String
        /// Whether the daemon answered (and refused); false when the request could not be sent.
        public var refused: Bool
    }

    public init(previousEpoch: String?, epoch: String?, restored: [UUID] = [], alreadyStored: [UUID] = [], failed: [Failure] = []) {
        self.previousEpoch = previousEpoch
        self.epoch = epoch
        self.restored = restored
        self.alreadyStored = alreadyStored
        self.failed = failed
    }
}
