import Foundation

/// The one clinical step: a trigger and what is known of the session in, everything it causes out — the next
/// session, the event to append, the decisions, the alert changes (raising, escalation, latching, resolution),
/// the audit facts and the X01 hand-over to the patient's other sessions. Pure: the store records the outcome,
/// the timers ask it whether a check finds anything new, and replay runs it again on the stored events, so none of
/// them can decide differently from the others.
public enum SessionStep {
    /// The snapshot does not hold the plain observations the trigger's artefact-confirmation window needs; the
    /// caller widens it from the record and runs the step again.
    public struct HistoryNotHeld: Error, Sendable {
        public var observedSince: Date
    }

    /// The step for `trigger` on the session in `snapshot` (nil only for a start) under `profile` at `now`.
    /// Returns nil when a daemon check finds nothing new; throws the clinical refusal when the trigger is refused.
    public static func run(
        _ trigger: StepTrigger, snapshot: SessionSnapshot?, profile: RuleProfile?, ruleSetHash: String, actor: AuditActor,
        now: Date
    ) throws -> StepOutcome? {
        if case .acknowledge(let alertId, let request) = trigger {
            guard let snapshot else { throw noSession }
            return try acknowledge(alertId: alertId, request: request, snapshot: snapshot, actor: actor, now: now)
        }
        let drug = snapshot?.session.drug ?? trigger.startRequest?.drug ?? .lidocaine
        guard let profile else {
            // The daemon's own checks pass over a session whose drug has no profile loaded; a request is refused.
            if trigger.isDaemonCheck { return nil }
            throw DomainError(.invalid, code: "drug.noProfile", title: "No profile for this drug",
                              detail: "No rule profile for \(drug.rawValue) is loaded; add config/profiles/\(drug.rawValue).yaml and reload.",
                              field: "drug")
        }
        if case .start(let request, let sessionId, let eventId) = trigger {
            return try start(request, sessionId: sessionId, eventId: eventId, profile: profile, ruleSetHash: ruleSetHash,
                             actor: actor, now: now)
        }
        guard let snapshot else { throw noSession }
        switch trigger {
        case .start, .acknowledge:
            throw noSession
        case .observation(let request):
            guard request.device == nil else {
                throw DomainError(.invalid, code: "observation.device", title: "Device provenance is the daemon's",
                                  detail: "Only the daemon's device listener records where a device reading came from; send the observation without `device`.",
                                  field: "device")
            }
            return try observation(request, snapshot: snapshot, profile: profile, actor: actor, now: now)
        case .deviceReading(let request):
            guard let device = request.device, request.feedId != nil else {
                throw DomainError(.invalid, code: "observation.deviceUnknown", title: "Device reading without its device",
                                  detail: "A device reading names its device (`device`) and the feed it belongs to (`feedId`).",
                                  field: request.device == nil ? "device" : "feedId")
            }
            return try observation(request, snapshot: snapshot, profile: profile, actor: actor, now: now, mayClear: device.mayClear)
        case .action(let request, let eventId):
            return try action(request, eventId: eventId, snapshot: snapshot, profile: profile, actor: actor, now: now)
        case .scheduleTick(let eventId):
            return scheduleTick(eventId: eventId, snapshot: snapshot, profile: profile, now: now)
        case .clockTick(let eventId):
            guard snapshot.session.state == .running || snapshot.session.state == .paused else { return nil }
            return try systemEvaluation(SystemEvent(cause: .clock), eventId: eventId, snapshot: snapshot, profile: profile, now: now)
        case .otherSessionStopped(let body, let eventId):
            guard snapshot.session.state == .running || snapshot.session.state == .paused else { return nil }
            return try systemEvaluation(body, eventId: eventId, snapshot: snapshot, profile: profile, now: now)
        case .escalationTick(let alertId):
            return escalation(snapshot: snapshot, only: alertId, profile: profile, now: now)
        }
    }

    /// What a trigger aimed at an alert that is already resolved causes: an acknowledgement is refused, an
    /// escalation finds nothing to do. (A snapshot holds unresolved alerts only, so the store asks this first.)
    public static func onResolvedAlert(_ trigger: StepTrigger, alert: Alert) throws {
        if case .acknowledge = trigger { throw alertResolved(alert) }
    }

    /// The bedside time from which an observation's rules need every plain observation (artefact confirmation
    /// of a monitor-feed reading), or nil when they need none.
    public static func observationWindowStart(_ observation: ObservationRequest, profile: RuleProfile) -> Date? {
        guard observation.feedId != nil, let window = profile.rules.compactMap(\.confirmWithinSeconds).max() else { return nil }
        return observation.observedAt.addingTimeInterval(-window)
    }

    // MARK: Triggers

    static func start(
        _ request: StartSessionRequest, sessionId: UUID, eventId: UUID, profile: RuleProfile, ruleSetHash: String,
        actor: AuditActor, now: Date
    ) throws -> StepOutcome {
        let (session, decisions) = try SessionFactory.start(request, profile: profile, ruleSetHash: ruleSetHash, id: sessionId, now: now)
        let event = StepEvent(id: eventId, sessionId: session.id, sequence: 1, kind: .start, recordedAt: now, occurredAt: now,
                              recordedBy: request.recordedBy, body: .start(request))
        var detail: [String: JSONValue] = [
            "drug": .string(session.drug.rawValue), "dosingWeight": .string(session.dosingWeight.rawValue),
            "dosingWeightKg": .number(session.dosingWeightKg), "ruleSetHash": .string(ruleSetHash),
            "override": session.override.map { ["by": .string($0.by), "reason": .string($0.reason)] } ?? .null,
            "flags": try session.flags.map { try WireJSON.decoder().decode(JSONValue.self, from: WireJSON.encode($0)) } ?? .null,
            "contraindicationOverride": request.contraindicationOverride.map {
                ["by": .string($0.by), "reason": .string($0.reason)]
            } ?? .null,
        ]
        if let binding = session.binding { detail["binding"] = AuditFacts.binding(binding) }
        let lead = AuditFact(action: "session.start", actor: actor, entity: AuditFacts.entity(session), detail: .object(detail))
        var alerts = AlertSet(session: session, alerts: [])
        alerts.apply(decisions, now: now)
        return StepOutcome(previous: nil, session: session, event: event, leadAudit: lead, decisions: decisions,
                           alertChanges: alerts.changes, actor: actor)
    }

    static func observation(
        _ request: ObservationRequest, snapshot: SessionSnapshot, profile: RuleProfile, actor: AuditActor, now: Date,
        mayClear: Bool = true
    ) throws -> StepOutcome {
        let session = snapshot.session
        guard session.state.isOpen else {
            throw DomainError(.conflict, code: "session.closed", title: "Session closed",
                              detail: "Session \(session.id.uuidString) is closed; observations are no longer accepted.")
        }
        try RequestValidation.requireAfterStart(observedAt: request.observedAt, startedAt: session.startedAt)
        let since = observationWindowStart(request, profile: profile)
        guard let history = snapshot.ruleHistory(observedSince: since) else {
            throw HistoryNotHeld(observedSince: since ?? .distantPast)
        }
        let context = RuleContext(session: session, at: now, observation: request, history: history,
                                  pharmacokinetics: profile.resolvedPharmacokinetics)
        let decisions = RuleEngine.evaluate(profile.rules, context: context)
        var next = SessionMachine.apply(decisions, to: session)
        next.lastObservationAt = max(session.lastObservationAt ?? request.observedAt, request.observedAt)

        let event = StepEvent(id: request.eventId, sessionId: session.id, sequence: snapshot.lastSequence + 1, kind: .observation,
                              recordedAt: now, occurredAt: request.observedAt, recordedBy: request.recordedBy,
                              body: .observation(request))
        let lead = AuditFact(action: "observation.accept", actor: actor, entity: AuditFacts.entity(session), detail: [
            "eventId": .string(request.eventId.uuidString), "sequence": .number(Double(event.sequence)),
            "observedAt": .string(WireJSON.formatTimestamp(request.observedAt)),
            "decisions": AuditFacts.decisionList(decisions, withPriority: false),
        ])
        var alerts = AlertSet(session: next, alerts: snapshot.unresolvedAlerts)
        alerts.apply(decisions, now: now)
        // CLINICAL §7: what this observation proves clear resolves, unless latched or fired again now.
        // A reading its device marked questionable may raise but never proves anything clear (HL7.md, OBX-8).
        let candidates = mayClear ? alerts.alerts.filter { !$0.latched } : []
        if !candidates.isEmpty {
            var cleared = RuleEngine.clearedRuleIds(profile.rules, context: RuleContext(session: next, at: now, observation: request),
                                                    decisions: decisions)
            let scheduleRules: Set<String> = [ScheduleRules.overdueRuleId, ScheduleRules.staleFeedRuleId]
            if candidates.contains(where: { scheduleRules.contains($0.ruleId) }) {
                var schedule = snapshot.schedule
                schedule.record(request)
                let spec = profile.resolvedSchedule
                if ScheduleRules.overdue(history: schedule, spec: spec, now: now) == nil { cleared.insert(ScheduleRules.overdueRuleId) }
                if ScheduleRules.staleFeeds(history: schedule, spec: spec, now: now) == nil { cleared.insert(ScheduleRules.staleFeedRuleId) }
            }
            let resolving = AlertPolicy.resolutions(unresolved: candidates, cleared: cleared, fired: Set(decisions.map(\.ruleId)))
            alerts.resolve(resolving.map(\.id), actor: actor, now: now)
        }
        return StepOutcome(previous: session, session: next, event: event, leadAudit: lead, decisions: decisions,
                           alertChanges: alerts.changes, actor: actor, otherSessionStop: otherSessionStop(from: session, to: next, decisions: decisions))
    }

    static func action(
        _ request: ActionRequest, eventId: UUID, snapshot: SessionSnapshot, profile: RuleProfile, actor: AuditActor, now: Date
    ) throws -> StepOutcome {
        let session = snapshot.session
        var outcome = try SessionMachine.apply(request, to: session, limits: profile.limits,
                                               regimenRule: profile.resolvedRegimenRule, now: now)
        if request.action == .close {
            let pending = snapshot.unresolvedAlerts.filter { $0.latched && $0.state == .active }
            guard pending.isEmpty else {
                throw DomainError(.conflict, code: "session.alertsUnacknowledged", title: "Stop alerts not acknowledged",
                                  detail: "Acknowledge alert(s) \(pending.map { String($0.id) }.joined(separator: ", ")) before closing the session.")
            }
            outcome.decisions += try ScheduleRules.closeCheck(request, history: snapshot.schedule, spec: profile.resolvedSchedule, now: now)
        }
        // The profile's rules on the order as it now stands (L14 on a new rate, L16 at a new bolus).
        let sequence = snapshot.lastSequence + 1
        let entry = SessionHistory.Entry(sequence: sequence, recordedAt: now, occurredAt: now, stateAfter: outcome.session.state,
                                         payload: .action(request))
        let context = RuleContext(session: outcome.session, at: now, history: SessionHistory(ordered: snapshot.ruleEntries + [entry]),
                                  pharmacokinetics: profile.resolvedPharmacokinetics)
        let ruled = RuleEngine.evaluate(profile.rules, context: context)
        let decisions = outcome.decisions + ruled
        let next = SessionMachine.apply(ruled, to: outcome.session)

        let event = StepEvent(id: eventId, sessionId: session.id, sequence: sequence, kind: .action, recordedAt: now, occurredAt: now,
                              recordedBy: request.by, body: .action(request))
        var detail: [String: JSONValue] = [
            "eventId": .string(eventId.uuidString), "reason": request.reason.map(JSONValue.string) ?? .null,
            "override": request.override.map { ["by": .string($0.by), "reason": .string($0.reason)] } ?? .null,
            "infusionRateMgPerKgPerHour": request.infusion.map { .number($0.rateMgPerKgPerHour) } ?? .null,
            "bolusMgPerKg": request.bolus.map { .number($0.doseMgPerKg) } ?? .null,
        ]
        if request.action == .bind { detail["binding"] = AuditFacts.binding(next.binding) }
        let lead = AuditFact(action: "session.\(request.action.rawValue)", actor: actor, entity: AuditFacts.entity(session), detail: .object(detail))
        var alerts = AlertSet(session: next, alerts: snapshot.unresolvedAlerts)
        alerts.apply(decisions, now: now)
        switch request.action {
        case .pumpStopped:
            // A stop confirmed at the bedside ends the latched alerts someone has acknowledged.
            alerts.resolve(alerts.alerts.filter { $0.latched && $0.state == .acknowledged }.map(\.id), actor: actor, now: now)
        case .close:
            alerts.resolve(alerts.alerts.map(\.id), actor: actor, now: now)
        default:
            break
        }
        return StepOutcome(previous: session, session: next, event: event, leadAudit: lead, decisions: decisions,
                           alertChanges: alerts.changes, actor: actor, otherSessionStop: otherSessionStop(from: session, to: next, decisions: decisions))
    }

    static func scheduleTick(eventId: UUID, snapshot: SessionSnapshot, profile: RuleProfile, now: Date) -> StepOutcome? {
        let session = snapshot.session
        guard session.state.isOpen else { return nil }
        let spec = profile.resolvedSchedule
        let decisions = ScheduleRules.timerDecisions(session: session, history: snapshot.schedule, spec: spec, now: now)
        guard !decisions.isEmpty else { return nil }
        let next = SessionMachine.apply(decisions, to: session)
        var alerts = AlertSet(session: next, alerts: snapshot.unresolvedAlerts)
        alerts.apply(decisions, now: now)
        guard !alerts.changes.isEmpty || next.state != session.state else { return nil }

        let silent = ScheduleRules.silentFeeds(history: snapshot.schedule, spec: spec, now: now)
        let body = ScheduleCheck(status: ObservationSchedule.status(history: snapshot.schedule, spec: spec, now: now), silentFeeds: silent)
        let event = StepEvent(id: eventId, sessionId: session.id, sequence: snapshot.lastSequence + 1, kind: .timer, recordedAt: now,
                              occurredAt: now, recordedBy: daemonName, body: .scheduleCheck(body))
        let lead = AuditFact(action: "schedule.check", actor: .daemon, entity: AuditFacts.entity(session), detail: [
            "eventId": .string(eventId.uuidString), "sequence": .number(Double(event.sequence)),
            "nextDueAt": body.status.nextDueAt.map { .string(WireJSON.formatTimestamp($0)) } ?? .null,
            "decisions": AuditFacts.decisionList(decisions, withPriority: true),
        ])
        return StepOutcome(previous: session, session: next, event: event, leadAudit: lead, decisions: decisions,
                           alertChanges: alerts.changes, actor: .daemon)
    }

    /// A daemon-made evaluation of the session's rules (the clinical clock, or X01): recorded only when it raises
    /// an alert or the priority of one, or changes the session's state.
    static func systemEvaluation(
        _ body: SystemEvent, eventId: UUID, snapshot: SessionSnapshot, profile: RuleProfile, now: Date
    ) throws -> StepOutcome? {
        let session = snapshot.session
        let context = RuleContext(session: session, at: now, otherSessionStop: body.cause == .otherSessionStopped ? body : nil,
                                  history: SessionHistory(ordered: snapshot.ruleEntries), pharmacokinetics: profile.resolvedPharmacokinetics)
        let decisions = RuleEngine.evaluate(profile.rules, context: context)
        guard !decisions.isEmpty else { return nil }
        let next = SessionMachine.apply(decisions, to: session)
        var alerts = AlertSet(session: next, alerts: snapshot.unresolvedAlerts)
        alerts.apply(decisions, now: now)
        guard !alerts.changes.isEmpty || next.state != session.state else { return nil }

        let event = StepEvent(id: eventId, sessionId: session.id, sequence: snapshot.lastSequence + 1, kind: .system, recordedAt: now,
                              occurredAt: now, recordedBy: daemonName, body: .system(body))
        let lead = AuditFact(action: "rules.\(body.cause.rawValue)", actor: .daemon, entity: AuditFacts.entity(session), detail: [
            "eventId": .string(eventId.uuidString), "sequence": .number(Double(event.sequence)),
            "otherSessionId": body.otherSessionId.map { .string($0.uuidString) } ?? .null,
            "otherRuleId": body.otherRuleId.map(JSONValue.string) ?? .null,
            "deliveredMg": context.delivered.map { .number($0.mg) } ?? .null,
            "predictedUgPerMl": context.prediction.map { .number($0.concentrationUgPerMl) } ?? .null,
            "decisions": AuditFacts.decisionList(decisions, withPriority: true),
        ])
        // A stop that X01 caused is not handed on again: the first stop already reached every other session.
        let handOn = body.cause == .otherSessionStopped ? nil : otherSessionStop(from: session, to: next, decisions: decisions)
        return StepOutcome(previous: session, session: next, event: event, leadAudit: lead, decisions: decisions,
                           alertChanges: alerts.changes, actor: .daemon, otherSessionStop: handOn)
    }

    /// Every escalation due on the session's unresolved alerts (CLINICAL §7), or nil when none is.
    static func escalation(snapshot: SessionSnapshot, only alertId: Int64?, profile: RuleProfile, now: Date) -> StepOutcome? {
        let spec = profile.resolvedEscalation
        let changes = snapshot.alerts.filter { alertId == nil || $0.alert.id == alertId }.compactMap { tracked -> AlertChange? in
            guard let step = AlertPolicy.escalation(for: tracked.alert, history: tracked.events, spec: spec, now: now) else { return nil }
            return AlertChange(kind: .escalated, alert: AlertPolicy.applying(step, to: tracked.alert, now: now), actor: .daemon)
        }
        guard !changes.isEmpty else { return nil }
        return StepOutcome(previous: snapshot.session, session: snapshot.session, event: nil, leadAudit: nil, decisions: [],
                           alertChanges: changes, actor: .daemon)
    }

    /// An acknowledgement: a latched stop alert resolves once the pump is also confirmed stopped; otherwise it
    /// stays acknowledged until then.
    static func acknowledge(
        alertId: Int64, request: AcknowledgeRequest, snapshot: SessionSnapshot, actor: AuditActor, now: Date
    ) throws -> StepOutcome {
        guard let alert = snapshot.alerts.first(where: { $0.alert.id == alertId })?.alert else { throw alertNotFound(alertId) }
        switch alert.state {
        case .acknowledged:
            throw DomainError(.conflict, code: "alert.alreadyAcknowledged", title: "Alert already acknowledged",
                              detail: "Alert \(alertId) was acknowledged by \(alert.acknowledgedBy ?? "?"); it stays visible until it resolves.")
        case .resolved:
            throw alertResolved(alert)
        case .active:
            break
        }
        let session = snapshot.session
        let pumpConfirmed = session.pumpConfirmedStoppedAt.map { $0 >= alert.raisedAt } ?? false
        var next = alert
        next.state = AlertPolicy.stateAfterAcknowledgement(alert, pumpConfirmed: pumpConfirmed)
        next.acknowledgedBy = request.by
        next.acknowledgedAt = now
        next.note = request.note
        next.updatedAt = now
        if next.state == .resolved { next.resolvedAt = now }
        var changes = [AlertChange(kind: .acknowledged, alert: next, actor: actor)]
        if next.state == .resolved { changes.append(AlertChange(kind: .resolved, alert: next, actor: actor)) }
        return StepOutcome(previous: session, session: session, event: nil, leadAudit: nil, decisions: [], alertChanges: changes,
                           actor: actor)
    }

    // MARK: Parts

    static let noSession = DomainError(.notFound, code: "session.notFound", title: "No such session",
                                       detail: "The step needs a session, and there is none.")

    /// There is no alert with this id.
    public static func alertNotFound(_ id: Int64) -> DomainError {
        DomainError(.notFound, code: "alert.notFound", title: "No such alert", detail: "There is no alert \(id); list alerts with GET /v1/alerts.")
    }

    /// The alert was resolved already; nothing to acknowledge.
    public static func alertResolved(_ alert: Alert) -> DomainError {
        DomainError(.conflict, code: "alert.resolved", title: "Alert already resolved",
                    detail: "Alert \(alert.id) was resolved at \(alert.resolvedAt.map(WireJSON.formatTimestamp) ?? "?"); nothing to acknowledge.")
    }

    /// The name daemon-made events are recorded by.
    static let daemonName = AuditActor.daemon.person ?? "infusiond"

    /// X01: a stop by a rule (not a clinician's order) hands the stop to the patient's other delivering sessions.
    static func otherSessionStop(from previous: Session, to session: Session, decisions: [Decision]) -> SystemEvent? {
        guard session.state == .stopped, previous.state != .stopped,
              let stop = decisions.first(where: { $0.action == .stop && $0.ruleId != SessionMachine.clinicianRuleId })
        else { return nil }
        return SystemEvent(cause: .otherSessionStopped, otherSessionId: session.id, otherDrug: session.drug, otherRuleId: stop.ruleId)
    }
}

/// A session's unresolved alerts as one step changes them, in id order, with the changes made so far. Alerts
/// raised in the step get provisional negative ids until the store records them.
struct AlertSet {
    let session: Session
    var alerts: [Alert]
    var changes: [AlertChange] = []
    private var provisional: Int64 = 0

    init(session: Session, alerts: [Alert]) {
        self.session = session
        self.alerts = alerts
    }

    /// Raises or updates the alerts for the decisions (one alert per condition; a worse decision raises the
    /// priority, re-activates an acknowledged alert and starts its escalation over; a stop latches).
    mutating func apply(_ decisions: [Decision], now: Date) {
        guard !decisions.isEmpty else { return }
        for change in AlertPolicy.changes(for: decisions, unresolved: alerts) {
            switch change {
            case .raise(let decision):
                provisional -= 1
                let alert = Alert(id: provisional, sessionId: session.id, ruleId: decision.ruleId, priority: decision.priority,
                                  state: .active, latched: AlertPolicy.latches(decision), reason: decision.reason,
                                  guidance: decision.guidance, raisedAt: now, updatedAt: now)
                alerts.append(alert)
                changes.append(AlertChange(kind: .raised, alert: alert, actor: .daemon, decisionRuleId: decision.ruleId))
            case .update(let alertId, let priority, let reactivate, let decision):
                guard let index = alerts.firstIndex(where: { $0.id == alertId }) else { continue }
                var alert = alerts[index]
                alert.priority = priority
                if reactivate {
                    alert.state = .active
                    alert.escalationLevel = 0
                }
                alert.latched = alert.latched || AlertPolicy.latches(decision)
                alert.reason = decision.reason
                alert.guidance = decision.guidance ?? alert.guidance
                alert.updatedAt = now
                alerts[index] = alert
                changes.append(AlertChange(kind: .escalated, alert: alert, actor: .daemon, decisionRuleId: decision.ruleId))
            }
        }
    }

    /// Resolves the alerts with these ids.
    mutating func resolve(_ ids: [Int64], actor: AuditActor, now: Date) {
        for id in ids {
            guard let index = alerts.firstIndex(where: { $0.id == id }) else { continue }
            var alert = alerts[index]
            alert.state = .resolved
            alert.resolvedAt = now
            alert.updatedAt = now
            alerts.remove(at: index)
            changes.append(AlertChange(kind: .resolved, alert: alert, actor: actor))
        }
    }
}
