import Foundation

/// The event a step appends to the session's log.
public struct StepEvent: Sendable, Hashable {
    /// What the event carries.
    public enum Body: Sendable, Hashable {
        case start(StartSessionRequest)
        case observation(ObservationRequest)
        case action(ActionRequest)
        case scheduleCheck(ScheduleCheck)
        case system(SystemEvent)
    }

    public var id: UUID
    public var sessionId: UUID
    public var sequence: Int64
    public var kind: ClinicalEventKind
    public var recordedAt: Date
    public var occurredAt: Date
    public var recordedBy: String
    public var body: Body

    public init(id: UUID, sessionId: UUID, sequence: Int64, kind: ClinicalEventKind, recordedAt: Date, occurredAt: Date,
                recordedBy: String, body: Body) {
        self.id = id
        self.sessionId = sessionId
        self.sequence = sequence
        self.kind = kind
        self.recordedAt = recordedAt
        self.occurredAt = occurredAt
        self.recordedBy = recordedBy
        self.body = body
    }

    /// How the rules' history carries the event.
    public var payload: SessionHistory.Entry.Payload {
        switch body {
        case .start(let request): .start(request)
        case .observation(let request): .observation(request)
        case .action(let request): .action(request)
        case .system(let event): .system(event)
        case .scheduleCheck: .unread
        }
    }

    /// How the schedule history reads the event (it ignores the daemon's own checks).
    public var schedulePayload: SessionHistory.Entry.Payload {
        if case .system = body { return .unread }
        return payload
    }
}

/// A change to one alert that a step decided, with the alert as it stands afterwards. A raised alert has id 0
/// until the store records it.
public struct AlertChange: Sendable, Hashable {
    public var kind: AlertEventKind
    public var alert: Alert
    /// Who the audit record names: the daemon for what rules and timers do, the person for what they did.
    public var actor: AuditActor
    /// The rule of the decision that raised or updated it, whose stored decision the alert points to.
    public var decisionRuleId: String?

    public init(kind: AlertEventKind, alert: Alert, actor: AuditActor, decisionRuleId: String? = nil) {
        self.kind = kind
        self.alert = alert
        self.actor = actor
        self.decisionRuleId = decisionRuleId
    }

    /// The audit action that records the change.
    public var auditAction: String {
        switch kind {
        case .raised: "alert.raise"
        case .escalated: "alert.escalate"
        case .acknowledged: "alert.acknowledge"
        case .resolved: "alert.resolve"
        }
    }
}

/// Everything one step decided, for the store to record in one transaction and in this order: the lead audit
/// record, the event's decisions, the alert changes, the session's new state, the event itself; then the step
/// of every session named in `otherSessionStop`'s targets (X01), in the same transaction.
public struct StepOutcome: Sendable, Hashable {
    /// The session before the step (nil for a start).
    public var previous: Session?
    /// The session after it.
    public var session: Session
    /// The event to append, if the step records one (acknowledgements and escalations do not).
    public var event: StepEvent?
    /// The audit record that says what happened (`observation.accept`, `session.pause`, `schedule.check` …).
    public var leadAudit: AuditFact?
    /// The rules' and the clinician's decisions on the event.
    public var decisions: [Decision]
    /// Alert changes in the order they happen.
    public var alertChanges: [AlertChange]
    /// The actor of the state change's audit record and of resolutions.
    public var actor: AuditActor
    /// X01: a rule stopped this session, so the patient's other delivering sessions take this trigger.
    public var otherSessionStop: SystemEvent?

    public init(previous: Session?, session: Session, event: StepEvent?, leadAudit: AuditFact?, decisions: [Decision],
                alertChanges: [AlertChange], actor: AuditActor, otherSessionStop: SystemEvent? = nil) {
        self.previous = previous
        self.session = session
        self.event = event
        self.leadAudit = leadAudit
        self.decisions = decisions
        self.alertChanges = alertChanges
        self.actor = actor
        self.otherSessionStop = otherSessionStop
    }

    /// Whether the session's state changed (recorded as `session.state`, and an `onStop` notice when it stopped or
    /// paused).
    public var stateChanged: Bool { previous.map { $0.state != session.state } ?? false }

    /// The notices the step owes the site's hooks, in the order its changes are recorded: one `onAlert` per alert
    /// change, and an `onStop` when the session was stopped or paused. The store queues each one (if that hook is
    /// configured) in the same transaction as the change it announces.
    public var hookNotices: [StepHookNotice] {
        var notices = alertChanges.indices.map(StepHookNotice.alert)
        if let previous, stateChanged, session.state == .stopped || session.state == .paused {
            notices.append(.sessionHalted(from: previous.state, to: session.state))
        }
        return notices
    }

    /// The sessions X01 reaches from this outcome: the same patient's other running or paused sessions, oldest
    /// first.
    public func crossSessionTargets(among sessions: [Session]) -> [Session] {
        guard otherSessionStop != nil else { return [] }
        return sessions
            .filter { $0.patientId == session.patientId && $0.id != session.id && ($0.state == .running || $0.state == .paused) }
            .sorted { $0.startedAt < $1.startedAt }
    }
}

/// A notice a step owes the site's hooks.
public enum StepHookNotice: Sendable, Hashable {
    /// `onAlert`: the alert change at this index of ``StepOutcome/alertChanges``.
    case alert(Int)
    /// `onStop`: the session went from one state into `stopped` or `paused`.
    case sessionHalted(from: SessionState, to: SessionState)
}

/// An audit record as a step states it; the store adds the sequence, the time and the hash chain.
public struct AuditFact: Sendable, Hashable {
    public var action: String
    public var actor: AuditActor
    public var entity: AuditEntity?
    public var detail: JSONValue

    public init(action: String, actor: AuditActor, entity: AuditEntity?, detail: JSONValue) {
        self.action = action
        self.actor = actor
        self.entity = entity
        self.detail = detail
    }
}
