import Foundation
import GRDB
import InfusionCore

/// What the store recorded for one step: the event's answer (when the step appended an event) and every alert as
/// it stands after the change, in the order they changed.
public struct RecordedStep: Sendable {
    public var response: EventResponse?
    public var alerts: [Alert]
    /// The answer's JSON text exactly as stored (for idempotent retries and to answer without encoding again).
    public var json: String?
    /// The answer is the one stored for an earlier request with the same event id and body; nothing was stored.
    public var replayed = false
}

extension ClinicalStore: ClinicalRecordStore {
    public func commit(
        _ trigger: StepTrigger, on target: StepTarget, ruleSet: RuleSet?, actor: AuditActor, now: Date, body: EncodedBody? = nil,
        retryOf eventId: UUID? = nil
    ) async throws -> RecordedStep? {
        try await committer.write { db in
            let sessionId: UUID
            switch target {
            case .session(let id):
                sessionId = id
            case .alert(let id):
                let alert = try self.loadAlert(db, id: id)
                // The snapshot holds unresolved alerts only: the step says what a trigger on a resolved one means.
                if alert.state == .resolved {
                    try SessionStep.onResolvedAlert(trigger, alert: alert)
                    return nil
                }
                sessionId = alert.sessionId
            }
            if let eventId, let body, let original = try self.replay(db, eventId: eventId, sessionId: sessionId, body: body) {
                return RecordedStep(response: original.response, alerts: original.response.alerts, json: original.json, replayed: true)
            }
            return try self.runStep(trigger, sessionId: sessionId, ruleSet: ruleSet, actor: actor, now: now, db: db, body: body)
        }
    }

    /// One step in a write job: the snapshots it changed stay with the job, and join the transaction only if the
    /// job's savepoint is released (a refusal rolls it back, and with it anything half-recorded).
    func runStep(
        _ trigger: StepTrigger, sessionId: UUID, ruleSet: RuleSet?, actor: AuditActor, now: Date, db: Database, body: EncodedBody? = nil
    ) throws -> RecordedStep? {
        var staging = SnapshotCache.Staging()
        let recorded = try step(trigger, sessionId: sessionId, ruleSet: ruleSet, actor: actor, now: now, db: db, staging: &staging, body: body)
        snapshots.stage(staging)
        return recorded
    }

    /// One step and its X01 hand-over, recorded in the caller's transaction.
    func step(
        _ trigger: StepTrigger, sessionId: UUID, ruleSet: RuleSet?, actor: AuditActor, now: Date, db: Database,
        staging: inout SnapshotCache.Staging, body: EncodedBody? = nil
    ) throws -> RecordedStep? {
        var current: SessionSnapshot?
        if trigger.startRequest == nil {
            current = try snapshot(db, id: sessionId, staging: &staging)
        }
        guard let drug = current?.session.drug ?? trigger.startRequest?.drug else { return nil }
        let profile = ruleSet?.profiles[drug]
        let hash = ruleSet?.hash ?? current?.session.ruleSetHash ?? ""
        let outcome: StepOutcome?
        do {
            outcome = try SessionStep.run(trigger, snapshot: current, profile: profile, ruleSetHash: hash, actor: actor, now: now)
        } catch let notHeld as SessionStep.HistoryNotHeld {
            // A reading far older than the latest: read the older observations its window needs, then decide.
            let widened = try loadSnapshot(db, id: sessionId, observedSince: notHeld.observedSince)
            staging.changed[sessionId] = widened
            current = widened
            outcome = try SessionStep.run(trigger, snapshot: widened, profile: profile, ruleSetHash: hash, actor: actor, now: now)
        }
        guard let outcome else { return nil }
        let recorded = try record(outcome, ruleSetHash: hash, body: body, db: db, now: now)
        let before = current ?? SessionSnapshot.started(outcome.session)
        staging.changed[outcome.session.id] = before.folding(outcome, alertEvents: recorded.alertEvents)

        if let stop = outcome.otherSessionStop {
            let others = try String.fetchAll(
                db, sql: "SELECT id FROM sessions WHERE patient_id = ? AND id != ? AND \(OpenStateFilters.sessions)",
                arguments: [outcome.session.patientId, outcome.session.id.uuidString])
                .map { try self.snapshot(db, id: try Self.sessionId($0), staging: &staging).session }
            for other in outcome.crossSessionTargets(among: others) {
                _ = try step(.otherSessionStopped(stop, eventId: UUID()), sessionId: other.id, ruleSet: ruleSet, actor: .daemon,
                             now: now, db: db, staging: &staging)
            }
        }
        return RecordedStep(response: recorded.response, alerts: recorded.alerts, json: recorded.json)
    }

    /// Writes an outcome: the lead audit record, the decisions, the alert changes (each with its audit record,
    /// alert event and hook notice), the session and its state change, and the event with its answer.
    private func record(
        _ outcome: StepOutcome, ruleSetHash: String, body: EncodedBody?, db: Database, now: Date
    ) throws -> (response: EventResponse?, alerts: [Alert], alertEvents: [AlertEvent], json: String?) {
        let session = outcome.session
        // Acknowledgements and escalations change no session and append no event: nothing of it to encode.
        let sessionJSON = outcome.event == nil ? "" : try Rows.json(session)
        if outcome.previous == nil {
            try SessionRecord(session: session, document: sessionJSON, ruleSetHash: ruleSetHash, at: now).insert(db)
        }
        if let lead = outcome.leadAudit { try append(lead, db: db, now: now) }
        var decisionIds: [String: Int64] = [:]
        if let event = outcome.event {
            for decision in outcome.decisions {
                var record = DecisionRecord(decision: decision, document: try Rows.json(decision), sessionId: session.id, eventId: event.id,
                                            ruleSetHash: ruleSetHash, at: now)
                try record.insert(db)
                decisionIds[decision.ruleId] = record.id
                try append(AuditFacts.decision(decision, eventId: event.id, ruleSetHash: ruleSetHash, session: session), db: db, now: now)
            }
        }
        var assigned: [Int64: Int64] = [:]
        var alerts: [Alert] = []
        var alertEvents: [AlertEvent] = []
        let notices = outcome.hookNotices
        for (index, var change) in outcome.alertChanges.enumerated() {
            if change.kind != .raised { change.alert.id = assigned[change.alert.id] ?? change.alert.id }
            var record = AlertRecord(alert: change.alert, decisionId: change.decisionRuleId.flatMap { decisionIds[$0] },
                                     isNew: change.kind == .raised)
            if change.kind == .raised {
                try record.insert(db)
                assigned[change.alert.id] = record.alert.id
                change.alert = record.alert
            } else {
                try record.update(db, columns: record.changedColumns)
            }
            try append(AuditFacts.alert(change, patientId: session.patientId), db: db, now: now)
            alertEvents.append(try recordAlertEvent(db, kind: change.kind, alert: change.alert, notify: notices.contains(.alert(index)), now: now))
            alerts.append(change.alert)
        }
        if let previous = outcome.previous, outcome.event != nil {
            try SessionRecord(session: session, document: sessionJSON, ruleSetHash: ruleSetHash, at: now)
                .update(db, columns: SessionRecord.changedBySteps)
            if outcome.stateChanged {
                let record = try append(AuditFacts.sessionState(from: previous, to: session, actor: outcome.actor), db: db, now: now)
                if notices.contains(.sessionHalted(from: previous.state, to: session.state)) {
                    try enqueueStopNotice(db, stateRecord: record, session: session, previous: previous, actor: outcome.actor, now: now)
                }
            }
        }
        guard let stepEvent = outcome.event else { return (nil, alerts, alertEvents, nil) }
        // The caller encoded its own request's body before the transaction; the daemon's events are encoded here.
        let encoded = try body.flatMap { stepEvent.kind == .observation || stepEvent.kind == .action || stepEvent.kind == .start ? $0 : nil }
            ?? Self.encode(stepEvent.body)
        let event = ClinicalEvent(id: stepEvent.id, sessionId: stepEvent.sessionId, sequence: stepEvent.sequence, kind: stepEvent.kind,
                                  recordedAt: stepEvent.recordedAt, occurredAt: stepEvent.occurredAt, recordedBy: stepEvent.recordedBy,
                                  body: encoded.value)
        let response = EventResponse(event: event, decisions: outcome.decisions, session: session, alerts: alerts)
        let json = try insert(event, body: encoded, sessionJSON: sessionJSON, decisions: outcome.decisions, alerts: alerts,
                              stateAfter: session.state, ruleEntry: SessionSnapshot.isRuleEntry(stepEvent, decisions: outcome.decisions),
                              db: db)
        return (response, alerts, alertEvents, json)
    }

    @discardableResult
    private func append(_ fact: AuditFact, db: Database, now: Date) throws -> AuditEntry {
        try AuditLog.append(db, action: fact.action, actor: fact.actor, entity: fact.entity, detail: fact.detail, at: now)
    }

    static func encode(_ body: StepEvent.Body) throws -> EncodedBody {
        switch body {
        case .start(let request): try EncodedBody(request)
        case .observation(let request): try EncodedBody(request)
        case .action(let request): try EncodedBody(request)
        case .scheduleCheck(let check): try EncodedBody(check)
        case .system(let event): try EncodedBody(event)
        }
    }
}

extension SessionSnapshot {
    /// The snapshot of a session that is only now starting: nothing recorded yet.
    static func started(_ session: Session) -> SessionSnapshot {
        SessionSnapshot(session: session, lastSequence: 0, ruleEntries: [], recentObservations: [], recentObservationsSince: .distantPast,
                        schedule: ScheduleHistory(sessionId: session.id, drug: session.drug, startedAt: session.startedAt), alerts: [])
    }
}
