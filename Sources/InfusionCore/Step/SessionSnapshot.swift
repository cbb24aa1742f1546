import Foundation

/// Everything a step needs to know about one session, kept up to date by folding in each recorded outcome: the
/// session, the history its rules read, its observation-schedule history and its unresolved alerts with their
/// events. The store's single writer keeps one per open session in memory; replay and tests build them the same
/// way, so a step sees the same facts whichever of them runs it.
public struct SessionSnapshot: Sendable, Hashable {
    /// An unresolved alert with its alert events, oldest first (escalation counts from them).
    public struct TrackedAlert: Sendable, Hashable {
        public var alert: Alert
        public var events: [AlertEvent]

        public init(alert: Alert, events: [AlertEvent]) {
            self.alert = alert
            self.events = events
        }
    }

    /// How far back, in bedside time from the latest observation, plain observations are kept for artefact
    /// confirmation: the longest confirmation window a profile may set (600 s) and as long again for a reading
    /// that arrives late.
    public static let recentObservationSpan: TimeInterval = 1_200

    public var session: Session
    /// The sequence of the session's latest event.
    public var lastSequence: Int64
    /// Every event the rules can need whatever the trigger: start, actions, timer and system events, observations
    /// that recorded a symptom, and observations whose decisions paused or stopped the session.
    public var ruleEntries: [SessionHistory.Entry]
    /// The other observations, from `recentObservationsSince` (bedside time) on; the only rule that reads them
    /// is artefact confirmation, which looks back a few minutes from a monitor-feed reading.
    public var recentObservations: [SessionHistory.Entry]
    /// The bedside time from which `recentObservations` holds every plain observation.
    public var recentObservationsSince: Date
    /// What the observation schedule knows, folded from every event.
    public var schedule: ScheduleHistory
    /// The unresolved alerts, by id.
    public var alerts: [TrackedAlert]

    public init(
        session: Session, lastSequence: Int64, ruleEntries: [SessionHistory.Entry], recentObservations: [SessionHistory.Entry],
        recentObservationsSince: Date, schedule: ScheduleHistory, alerts: [TrackedAlert]
    ) {
        self.session = session
        self.lastSequence = lastSequence
        self.ruleEntries = ruleEntries
        self.recentObservations = recentObservations
        self.recentObservationsSince = recentObservationsSince
        self.schedule = schedule
        self.alerts = alerts
    }

    /// The unresolved alerts, by id.
    public var unresolvedAlerts: [Alert] { alerts.map(\.alert) }

    /// The history the rules read: every rule entry, and with `observedSince` also every plain observation made
    /// at or after that bedside time. Nil when the snapshot no longer holds observations that old (the store then
    /// reads them from the database and widens the snapshot).
    public func ruleHistory(observedSince: Date?) -> SessionHistory? {
        guard let since = observedSince else { return SessionHistory(ordered: ruleEntries) }
        guard since >= recentObservationsSince else { return nil }
        let window = recentObservations.filter { $0.occurredAt >= since }
        guard !window.isEmpty else { return SessionHistory(ordered: ruleEntries) }
        return SessionHistory(entries: ruleEntries + window)
    }

    /// Whether an observation's entry belongs among the rule entries whatever the trigger: it recorded a symptom,
    /// or a rule's decision on it paused or stopped the session.
    public static func isRuleEntry(_ observation: ObservationRequest, decisions: [Decision]) -> Bool {
        !(observation.symptoms ?? []).isEmpty || decisions.contains { $0.action == .pause || $0.action == .stop }
    }

    /// Whether an event belongs among the rule entries: anything but an observation does; an observation when
    /// ``isRuleEntry(_:decisions:)`` says so. The store keeps this with the event, so a snapshot loads without
    /// reading the bodies of plain observations.
    public static func isRuleEntry(_ event: StepEvent, decisions: [Decision]) -> Bool {
        guard case .observation(let observation) = event.payload else { return true }
        return isRuleEntry(observation, decisions: decisions)
    }

    /// The snapshot after a recorded step: the outcome's session and event folded in, and the alert events the
    /// store recorded for it (which carry the ids the database gave new alerts).
    public func folding(_ outcome: StepOutcome, alertEvents: [AlertEvent]) -> SessionSnapshot {
        var next = self
        next.session = outcome.session
        if let event = outcome.event {
            next.fold(event, stateAfter: outcome.session.state, decisions: outcome.decisions)
        }
        next.fold(alertEvents)
        return next
    }

    /// Folds in one recorded event with the state it left and the decisions taken on it.
    public mutating func fold(_ event: StepEvent, stateAfter: SessionState, decisions: [Decision]) {
        lastSequence = max(lastSequence, event.sequence)
        let entry = SessionHistory.Entry(sequence: event.sequence, recordedAt: event.recordedAt, occurredAt: event.occurredAt,
                                         stateAfter: stateAfter, payload: event.payload)
        if !Self.isRuleEntry(event, decisions: decisions) {
            recentObservations.append(entry)
            let latest = recentObservations.map(\.occurredAt).max() ?? entry.occurredAt
            let floor = latest.addingTimeInterval(-Self.recentObservationSpan)
            if floor > recentObservationsSince {
                recentObservations.removeAll { $0.occurredAt < floor }
                recentObservationsSince = floor
            }
        } else {
            ruleEntries.append(entry)
        }
        schedule.apply(event.schedulePayload, recordedAt: event.recordedAt, occurredAt: event.occurredAt,
                       stopped: decisions.contains { $0.action == .stop })
    }

    /// Folds in alert events: each alert takes its new value and keeps its events while unresolved.
    public mutating func fold(_ alertEvents: [AlertEvent]) {
        for event in alertEvents {
            if let index = alerts.firstIndex(where: { $0.alert.id == event.alert.id }) {
                alerts[index].alert = event.alert
                alerts[index].events.append(event)
            } else {
                alerts.append(TrackedAlert(alert: event.alert, events: [event]))
            }
        }
        alerts.removeAll { $0.alert.state == .resolved }
        alerts.sort { $0.alert.id < $1.alert.id }
    }
}

extension SessionHistory {
    /// A history from entries already in sequence order.
    init(ordered entries: [Entry]) {
        self.init(entries: [])
        self.entries = entries
    }
}
