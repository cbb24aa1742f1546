import Foundation

/// What makes a session take a step. Every change to a session's clinical record comes from one of these, and
/// ``SessionStep/run(_:snapshot:profile:ruleSetHash:actor:now:)`` decides what each one causes.
public enum StepTrigger: Sendable {
    /// A new session: the start request, and the ids the session and its start event get.
    case start(StartSessionRequest, sessionId: UUID, eventId: UUID)
    /// A bedside or monitor-feed observation (its `eventId` is the event's id).
    case observation(ObservationRequest)
    /// A reading from a bound monitor or device (HL7 PCD-01/04): an observation from a feed, with its
    /// ``ObservationRequest/device`` provenance. The same rules act on it as on a station's feed observation;
    /// a value the device marked questionable may raise an alert but never resolves one.
    case deviceReading(ObservationRequest)
    /// A clinician or bedside action, with the event id it is recorded under.
    case action(ActionRequest, eventId: UUID)
    /// The observation schedule looked at the session (L20 overdue, L21 stale feed).
    case scheduleTick(eventId: UUID)
    /// Time passed: delivered dose (L16), duration (L17) and predicted level (L14) are looked at again.
    case clockTick(eventId: UUID)
    /// A rule stopped another session of the same patient (X01).
    case otherSessionStopped(SystemEvent, eventId: UUID)
    /// The escalation timers of the session's unresolved alerts (or of one of them) were looked at.
    case escalationTick(alertId: Int64?)
    /// Someone acknowledged one of the session's alerts.
    case acknowledge(alertId: Int64, AcknowledgeRequest)

    /// The start request, for a start.
    public var startRequest: StartSessionRequest? {
        if case .start(let request, _, _) = self { return request }
        return nil
    }

    /// Whether the trigger is the daemon's own look at a session, which records something only when it finds
    /// something new (an alert not yet raised at that priority, or a change of state).
    public var isDaemonCheck: Bool {
        switch self {
        case .scheduleTick, .clockTick, .otherSessionStopped, .escalationTick: true
        case .start, .observation, .deviceReading, .action, .acknowledge: false
        }
    }
}
