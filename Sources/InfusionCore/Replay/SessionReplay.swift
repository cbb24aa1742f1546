import Foundation

/// Re-runs a session's stored events through the same pure functions the store ran when it recorded them, with the
/// rule set that was in force for each, and reports every event whose decisions or resulting state would differ.
///
/// Each event is replayed from the session as stored just before it (so one difference does not cascade) and the
/// history of the events before it. Decisions are compared whole: rule, action, priority, reason, inputs,
/// thresholds, review, emergency and guidance.
public enum SessionReplay {
    /// One stored event with what the store recorded for it.
    public struct StoredEvent: Sendable {
        public var event: ClinicalEvent
        /// The decisions stored for it, in the order they were stored.
        public var decisions: [Decision]
        /// The rule-set hash stored with those decisions, if any.
        public var decisionsRuleSetHash: String?
        /// The session as the stored answer gave it after the event.
        public var sessionAfter: Session?

        public init(event: ClinicalEvent, decisions: [Decision], decisionsRuleSetHash: String?, sessionAfter: Session?) {
            self.event = event
            self.decisions = decisions
            self.decisionsRuleSetHash = decisionsRuleSetHash
            self.sessionAfter = sessionAfter
        }
    }

    /// Replays `events` (oldest first) of `session`. `ruleSet(for:)` gives the rules in force for an event: the
    /// hash stored with its decisions, else the rule set that was loaded when it was recorded; nil when those rules
    /// are not available, which is reported as a difference.
    public static func replay(
        session: Session, events: [StoredEvent], ruleSet: (StoredEvent) -> RuleSet?
    ) -> ReplayReport {
        var differences: [ReplayDifference] = []
        var hashes: [String] = []
        var compared = 0
        var snapshot: SessionSnapshot?

        for stored in events {
            let event = stored.event
            compared += stored.decisions.count
            func differ(_ note: String, replayed: [Decision] = [], replayedState: SessionState? = nil, hash: String? = nil) {
                differences.append(ReplayDifference(
                    sequence: event.sequence, eventId: event.id, kind: event.kind, ruleSetHash: hash,
                    recorded: stored.decisions, replayed: replayed, recordedState: stored.sessionAfter?.state,
                    replayedState: replayedState, note: note))
            }
            defer { snapshot = folding(stored, into: snapshot, session: session) }
            guard let rules = ruleSet(stored) else {
                differ("The rules in force for this event are not stored; it cannot be replayed.")
                continue
            }
            if !hashes.contains(rules.hash) { hashes.append(rules.hash) }
            guard let profile = rules.profiles[session.drug] else {
                differ("The rule set \(rules.hash) has no \(session.drug.rawValue) profile.", hash: rules.hash)
                continue
            }
            guard let trigger = trigger(for: event, session: session) else {
                differ("Replaying this event was refused: replay.unreadableEvent: The stored body of event \(event.sequence) does not decode as a \(event.kind.rawValue).",
                       hash: rules.hash)
                continue
            }
            let outcome: StepOutcome?
            do {
                // Alerts are not part of what is compared, so the step runs as if none stood: a daemon check
                // that was recorded then records again now whenever it decides anything.
                var before = snapshot
                before?.alerts = []
                outcome = try SessionStep.run(trigger, snapshot: before, profile: profile, ruleSetHash: rules.hash, actor: .daemon,
                                              now: event.recordedAt)
            } catch {
                differ("Replaying this event was refused: \(refusal(error))", hash: rules.hash)
                continue
            }
            let decisions = outcome?.decisions ?? []
            let state = outcome?.session.state ?? snapshot?.session.state
            let stateDiffers = stored.sessionAfter.map { $0.state != state } ?? false
            if decisions != stored.decisions || stateDiffers {
                let note = decisions != stored.decisions
                    ? "Recorded \(summary(stored.decisions)); the replay decides \(summary(decisions))."
                    : "The session was left \(stored.sessionAfter?.state.rawValue ?? "?"); the replay leaves it \(state?.rawValue ?? "?")."
                differ(note, replayed: decisions, replayedState: state, hash: rules.hash)
            }
        }
        return ReplayReport(sessionId: session.id, eventsReplayed: events.count, decisionsCompared: compared,
                            ruleSetHashes: hashes, differences: differences)
    }

    /// The trigger that recorded a stored event, or nil when its body does not decode.
    static func trigger(for event: ClinicalEvent, session: Session) -> StepTrigger? {
        switch event.kind {
        case .start: event.decodedBody(StartSessionRequest.self).map { .start($0, sessionId: session.id, eventId: event.id) }
        case .observation: event.decodedBody(ObservationRequest.self).map { $0.device == nil ? .observation($0) : .deviceReading($0) }
        case .action: event.decodedBody(ActionRequest.self).map { .action($0, eventId: event.id) }
        case .timer: .scheduleTick(eventId: event.id)
        case .system:
            event.decodedBody(SystemEvent.self).map { body in
                body.cause == .clock ? .clockTick(eventId: event.id) : .otherSessionStopped(body, eventId: event.id)
            }
        case .decision: nil
        }
    }

    /// The snapshot after a stored event, folded from what was stored (so one difference does not cascade).
    static func folding(_ stored: StoredEvent, into snapshot: SessionSnapshot?, session: Session) -> SessionSnapshot? {
        let event = stored.event
        let state = stored.sessionAfter?.state ?? snapshot?.session.state ?? .running
        var next = snapshot ?? SessionSnapshot(
            session: stored.sessionAfter ?? session, lastSequence: 0, ruleEntries: [], recentObservations: [],
            recentObservationsSince: .distantPast,
            schedule: ScheduleHistory(sessionId: session.id, drug: session.drug, startedAt: session.startedAt), alerts: [])
        if let after = stored.sessionAfter { next.session = after }
        let body: StepEvent.Body? = switch event.kind {
        case .start: event.decodedBody(StartSessionRequest.self).map { .start($0) }
        case .observation: event.decodedBody(ObservationRequest.self).map { .observation($0) }
        case .action: event.decodedBody(ActionRequest.self).map { .action($0) }
        case .system: event.decodedBody(SystemEvent.self).map { .system($0) }
        case .timer: event.decodedBody(ScheduleCheck.self).map { .scheduleCheck($0) }
        case .decision: nil
        }
        guard let body else {
            // An unreadable event still advances the log and leaves the state it left.
            next.lastSequence = max(next.lastSequence, event.sequence)
            next.ruleEntries.append(SessionHistory.Entry(sequence: event.sequence, recordedAt: event.recordedAt,
                                                         occurredAt: event.occurredAt, stateAfter: state, payload: .unread))
            return next
        }
        next.fold(StepEvent(id: event.id, sessionId: event.sessionId, sequence: event.sequence, kind: event.kind,
                            recordedAt: event.recordedAt, occurredAt: event.occurredAt, recordedBy: event.recordedBy, body: body),
                  stateAfter: state, decisions: stored.decisions)
        return next
    }

    /// A refusal in words: its code and detail.
    static func refusal(_ error: any Error) -> String {
        switch error {
        case let refusal as DomainError: "\(refusal.code): \(refusal.detail)"
        case let early as RequestValidation.ObservationBeforeStart:
            "observation.beforeStart: observedAt \(WireJSON.formatTimestamp(early.observedAt)) is before the session started (\(WireJSON.formatTimestamp(early.startedAt)))"
        default: "\(error)"
        }
    }

    private static func summary(_ decisions: [Decision]) -> String {
        decisions.isEmpty ? "nothing" : decisions.map { "\($0.ruleId) \($0.action.rawValue) \($0.priority.rawValue)" }.joined(separator: ", ")
    }
}
