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
        var before: Session?
        var entries: [SessionHistory.Entry] = []
        var schedule = ScheduleHistory(sessionId: session.id, drug: session.drug, startedAt: session.startedAt)

        for stored in events {
            let event = stored.event
            compared += stored.decisions.count
            func differ(_ note: String, replayed: [Decision] = [], replayedState: SessionState? = nil, hash: String? = nil) {
                differences.append(ReplayDifference(
                    sequence: event.sequence, eventId: event.id, kind: event.kind, ruleSetHash: hash,
                    recorded: stored.decisions, replayed: replayed, recordedState: stored.sessionAfter?.state,
                    replayedState: replayedState, note: note))
            }
            defer {
                before = stored.sessionAfter ?? before
                let state = stored.sessionAfter?.state ?? before?.state ?? .running
                entries.append(SessionHistory.Entry(
                    sequence: event.sequence, recordedAt: event.recordedAt, occurredAt: event.occurredAt, stateAfter: state,
                    payload: payload(of: event)))
                schedule.apply(event, decisions: stored.decisions)
            }
            guard let rules = ruleSet(stored) else {
                differ("The rules in force for this event are not stored; it cannot be replayed.")
                continue
            }
            if !hashes.contains(rules.hash) { hashes.append(rules.hash) }
            guard let profile = rules.profiles[session.drug] else {
                differ("The rule set \(rules.hash) has no \(session.drug.rawValue) profile.", hash: rules.hash)
                continue
            }
            let outcome: (decisions: [Decision], session: Session)
            do throws(Problem) {
                outcome = try replayOne(
                    event, session: session, before: before, profile: profile, ruleSetHash: rules.hash,
                    history: SessionHistory(entries: entries), schedule: schedule)
            } catch {
                differ("Replaying this event was refused: \(error.code): \(error.detail)", hash: rules.hash)
                continue
            }
            let stateDiffers = stored.sessionAfter.map { $0.state != outcome.session.state } ?? false
            if outcome.decisions != stored.decisions || stateDiffers {
                let note = outcome.decisions != stored.decisions
                    ? "Recorded \(summary(stored.decisions)); the replay decides \(summary(outcome.decisions))."
                    : "The session was left \(stored.sessionAfter?.state.rawValue ?? "?"); the replay leaves it \(outcome.session.state.rawValue)."
                differ(note, replayed: outcome.decisions, replayedState: outcome.session.state, hash: rules.hash)
            }
        }
        return ReplayReport(sessionId: session.id, eventsReplayed: events.count, decisionsCompared: compared,
                            ruleSetHashes: hashes, differences: differences)
    }

    /// The decisions and resulting session for one event, exactly as the store computes them.
    static func replayOne(
        _ event: ClinicalEvent, session: Session, before: Session?, profile: RuleProfile, ruleSetHash: String,
        history: SessionHistory, schedule: ScheduleHistory
    ) throws(Problem) -> (decisions: [Decision], session: Session) {
        let now = event.recordedAt
        func unreadable() -> Problem {
            Problem(status: 422, code: "replay.unreadableEvent", title: "Event body unreadable",
                    detail: "The stored body of event \(event.sequence) does not decode as a \(event.kind.rawValue).")
        }
        switch event.kind {
        case .start:
            guard let request = event.decodedBody(StartSessionRequest.self) else { throw unreadable() }
            let started = try SessionFactory.start(request, profile: profile, ruleSetHash: ruleSetHash, id: session.id, now: now)
            return (started.decisions, started.session)
        case .observation:
            guard let request = event.decodedBody(ObservationRequest.self), let before else { throw unreadable() }
            let context = RuleContext(session: before, at: now, observation: request, history: history,
                                      pharmacokinetics: profile.resolvedPharmacokinetics)
            let decisions = RuleEngine.evaluate(profile.rules, context: context)
            return (decisions, SessionMachine.apply(decisions, to: before))
        case .action:
            guard let request = event.decodedBody(ActionRequest.self), let before else { throw unreadable() }
            var outcome = try SessionMachine.apply(request, to: before, limits: profile.limits,
                                                   regimenRule: profile.resolvedRegimenRule, now: now)
            outcome.decisions += try ScheduleRules.closeCheck(request, history: schedule, spec: profile.resolvedSchedule, now: now)
            let entry = SessionHistory.Entry(sequence: event.sequence, recordedAt: now, occurredAt: now,
                                             stateAfter: outcome.session.state, payload: .action(request))
            let context = RuleContext(session: outcome.session, at: now, history: history.appending(entry),
                                      pharmacokinetics: profile.resolvedPharmacokinetics)
            let ruled = RuleEngine.evaluate(profile.rules, context: context)
            return (outcome.decisions + ruled, SessionMachine.apply(ruled, to: outcome.session))
        case .timer:
            guard let before else { throw unreadable() }
            let decisions = ScheduleRules.timerDecisions(session: before, history: schedule, spec: profile.resolvedSchedule, now: now)
            return (decisions, SessionMachine.apply(decisions, to: before))
        case .system:
            guard let body = event.decodedBody(SystemEvent.self), let before else { throw unreadable() }
            let context = RuleContext(session: before, at: now, otherSessionStop: body.cause == .otherSessionStopped ? body : nil,
                                      history: history, pharmacokinetics: profile.resolvedPharmacokinetics)
            let decisions = RuleEngine.evaluate(profile.rules, context: context)
            return (decisions, SessionMachine.apply(decisions, to: before))
        case .decision:
            throw unreadable()
        }
    }

    /// How the rules see a stored event in the history.
    static func payload(of event: ClinicalEvent) -> SessionHistory.Entry.Payload {
        switch event.kind {
        case .start: event.decodedBody(StartSessionRequest.self).map { .start($0) } ?? .unread
        case .observation: event.decodedBody(ObservationRequest.self).map { .observation($0) } ?? .unread
        case .action: event.decodedBody(ActionRequest.self).map { .action($0) } ?? .unread
        case .system: event.decodedBody(SystemEvent.self).map { .system($0) } ?? .unread
        case .timer, .decision: .unread
        }
    }

    private static func summary(_ decisions: [Decision]) -> String {
        decisions.isEmpty ? "nothing" : decisions.map { "\($0.ruleId) \($0.action.rawValue) \($0.priority.rawValue)" }.joined(separator: ", ")
    }
}
