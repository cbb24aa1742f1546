import Foundation

/// A session's stored events in the order they were recorded, as the dose accounting, the pharmacokinetic model and
/// the trend rules read them. Built by the store from the event log (or by replay from the same rows), so every
/// figure derived from it is a pure function of what was recorded.
public struct SessionHistory: Sendable, Hashable {
    /// One recorded event.
    public struct Entry: Sendable, Hashable {
        /// What the event carried.
        public enum Payload: Sendable, Hashable {
            case start(StartSessionRequest)
            case observation(ObservationRequest)
            case action(ActionRequest)
            case system(SystemEvent)
            /// An event whose body no rule reads: an observation that cannot matter (no symptoms, outside the
            /// artefact-confirmation window) or a schedule-timer check. Its effect is the state it left.
            case unread
        }

        public var sequence: Int64
        /// When the daemon accepted it; delivery changes take effect at this time.
        public var recordedAt: Date
        /// When it happened at the bedside (observations) or was ordered (actions).
        public var occurredAt: Date
        /// The session's state after the event and the decisions it caused.
        public var stateAfter: SessionState
        public var payload: Payload

        public init(sequence: Int64, recordedAt: Date, occurredAt: Date, stateAfter: SessionState, payload: Payload) {
            self.sequence = sequence
            self.recordedAt = recordedAt
            self.occurredAt = occurredAt
            self.stateAfter = stateAfter
            self.payload = payload
        }

        /// The observation, when this entry is one whose body was loaded.
        public var observation: ObservationRequest? {
            if case .observation(let observation) = payload { return observation }
            return nil
        }

        /// The action, when this entry is one.
        public var action: ActionRequest? {
            if case .action(let action) = payload { return action }
            return nil
        }
    }

    /// The entries in recording (sequence) order.
    public var entries: [Entry]

    public init(entries: [Entry]) {
        self.entries = entries.sorted { $0.sequence < $1.sequence }
    }

    /// A history with nothing in it (rules then see no delivery, no prediction and no trends).
    public static let empty = SessionHistory(entries: [])

    /// This history with one more entry at the end (the event being evaluated).
    public func appending(_ entry: Entry) -> SessionHistory {
        var copy = self
        copy.entries.append(entry)
        return copy
    }

    /// The start request, when the start event is in the history.
    public var start: StartSessionRequest? {
        for entry in entries { if case .start(let request) = entry.payload { return request } }
        return nil
    }

    /// When the session's current pause began: the latest entry that took it into `paused` from another state.
    /// Nil when the last entry did not leave it paused.
    public var pausedSince: Date? {
        guard entries.last?.stateAfter == .paused else { return nil }
        var since: Date?
        var previous: SessionState?
        for entry in entries {
            if entry.stateAfter == .paused, previous != .paused { since = entry.recordedAt }
            previous = entry.stateAfter
        }
        return since
    }

    /// The sequence number of the latest resume (a change from `paused` to `running`), if any.
    public var lastResumeSequence: Int64? {
        var found: Int64?
        var previous: SessionState?
        for entry in entries {
            if entry.stateAfter == .running, previous == .paused { found = entry.sequence }
            previous = entry.stateAfter
        }
        return found
    }
}
