import Foundation
import GRDB
import InfusionCore

extension ClinicalStore {
    /// Records an observation, runs the rules on it and applies their decisions, all in one transaction.
    /// A retry with the same `eventId` and body returns the original answer and stores nothing (`replayed`).
    public func recordObservation(
        sessionId: UUID, request: ObservationRequest, ruleSet: RuleSet, actor: AuditActor, now: Date
    ) async throws -> (response: EventResponse, replayed: Bool) {
        let answer = try await recordObservationAnswer(sessionId: sessionId, request: request, ruleSet: ruleSet, actor: actor, now: now)
        return (answer.response, answer.replayed)
    }

    /// ``recordObservation(sessionId:request:ruleSet:actor:now:)`` with the answer's stored JSON text as well.
    public func recordObservationAnswer(
        sessionId: UUID, request: ObservationRequest, ruleSet: RuleSet, actor: AuditActor, now: Date
    ) async throws -> StoredAnswer {
        try await committer.write { db in
            if let original = try self.replay(db, eventId: request.eventId, sessionId: sessionId, body: request) {
                return original
            }
            let session = try Self.loadSession(db, id: sessionId)
            guard session.state.isOpen else {
                throw Problem(status: 409, code: "session.closed", title: "Session closed",
                              detail: "Session \(sessionId.uuidString) is closed; observations are no longer accepted.")
            }
            try RequestValidation.requireAfterStart(observedAt: request.observedAt, startedAt: session.startedAt)
            let profile = try ruleSet.profile(for: session.drug)
            let context = try self.ruleContext(db, session: session, profile: profile, now: now, observation: request)
            let decisions = RuleEngine.evaluate(profile.rules, context: context)
            var next = SessionMachine.apply(decisions, to: session)
            next.lastObservationAt = max(session.lastObservationAt ?? request.observedAt, request.observedAt)

            let event = try self.nextEvent(db, id: request.eventId, session: session, kind: .observation,
                                           occurredAt: request.observedAt, recordedBy: request.recordedBy, body: request, now: now)
            try AuditLog.append(db, action: "observation.accept", actor: actor, entity: Self.entity(session), detail: [
                "eventId": .string(request.eventId.uuidString), "sequence": .number(Double(event.sequence)),
                "observedAt": .string(WireJSON.formatTimestamp(request.observedAt)),
                "decisions": .array(decisions.map { .string("\($0.ruleId):\($0.action.rawValue)") }),
            ], at: now)
            var alerts = try self.record(decisions, event: event, session: next, ruleSetHash: ruleSet.hash, actor: actor, db: db, now: now)
            alerts += try self.resolveClearedAlerts(db, session: next, observation: request, decisions: decisions, ruleSet: ruleSet, actor: actor, now: now)
            try self.save(next, previous: session, actor: actor, db: db, now: now)
            let response = EventResponse(event: event, decisions: decisions, session: next, alerts: alerts)
            let json = try self.insert(event, response: response, db: db)
            try self.stopOtherSessions(db, after: next, previous: session, decisions: decisions, ruleSet: ruleSet, now: now)
            return StoredAnswer(response: response, replayed: false, json: json)
        }
    }

    /// Stores decisions for an event, audits each, and raises or updates their alerts; returns the alerts touched.
    func record(
        _ decisions: [Decision], event: ClinicalEvent, session: Session, ruleSetHash: String, actor: AuditActor,
        db: Database, now: Date
    ) throws -> [Alert] {
        guard !decisions.isEmpty else { return [] }
        var decisionIds: [String: Int64] = [:]
        for decision in decisions {
            try db.cachedStatement(
                sql: "INSERT INTO decisions (session_id, event_id, decided_at, rule_id, action, priority, rule_set_hash, document) VALUES (?, ?, ?, ?, ?, ?, ?, ?)"
            ).execute(
                arguments: [session.id.uuidString, event.id.uuidString, Rows.time(now), decision.ruleId,
                            decision.action.rawValue, decision.priority.rawValue, ruleSetHash, try Rows.json(decision)])
            decisionIds[decision.ruleId] = db.lastInsertedRowID
            try AuditLog.append(db, action: "decision.record", actor: .daemon, entity: Self.entity(session), detail: [
                "ruleId": .string(decision.ruleId), "action": .string(decision.action.rawValue),
                "priority": .string(decision.priority.rawValue), "reason": .string(decision.reason),
                "inputs": .object(decision.inputs), "thresholds": .object(decision.thresholds),
                "eventId": .string(event.id.uuidString), "ruleSetHash": .string(ruleSetHash),
            ], at: now)
        }
        let unresolved = try unresolvedAlerts(db, sessionId: session.id)
        var touched: [Alert] = []
        for change in AlertPolicy.changes(for: decisions, unresolved: unresolved) {
            switch change {
            case .raise(let decision):
                try db.execute(
                    sql: "INSERT INTO alerts (session_id, rule_id, priority, state, latched, reason, guidance, raised_at, updated_at, decision_id) VALUES (?, ?, ?, 'active', ?, ?, ?, ?, ?, ?)",
                    arguments: [session.id.uuidString, decision.ruleId, decision.priority.rawValue,
                                AlertPolicy.latches(decision), decision.reason, decision.guidance, Rows.time(now),
                                Rows.time(now), decisionIds[decision.ruleId]])
                let alert = try loadAlert(db, id: db.lastInsertedRowID)
                try auditAlert("alert.raise", alert, session: session, actor: .daemon, db: db, now: now)
                touched.append(alert)
            case .update(let alertId, let priority, let reactivate, let decision):
                try db.execute(
                    // A re-activated alert starts its escalation over (CLINICAL §7 timers count from now).
                    sql: "UPDATE alerts SET priority = ?, state = CASE WHEN ? THEN 'active' ELSE state END, escalation_level = CASE WHEN ? THEN 0 ELSE escalation_level END, latched = MAX(latched, ?), reason = ?, guidance = COALESCE(?, guidance), updated_at = ?, decision_id = ? WHERE id = ?",
                    arguments: [priority.rawValue, reactivate, reactivate, AlertPolicy.latches(decision), decision.reason,
                                decision.guidance, Rows.time(now), decisionIds[decision.ruleId], alertId])
                let alert = try loadAlert(db, id: alertId)
                try auditAlert("alert.escalate", alert, session: session, actor: .daemon, db: db, now: now)
                touched.append(alert)
            }
        }
        return touched
    }

    func unresolvedAlerts(_ db: Database, sessionId: UUID) throws -> [Alert] {
        try Row.fetchAll(try db.cachedStatement(sql: "SELECT * FROM alerts WHERE session_id = ? AND state != 'resolved' ORDER BY id"),
                         arguments: [sessionId.uuidString]).map(Rows.alert)
    }

    func loadAlert(_ db: Database, id: Int64) throws -> Alert {
        guard let row = try Row.fetchOne(db, sql: "SELECT * FROM alerts WHERE id = ?", arguments: [id]) else {
            throw Problem(status: 404, code: "alert.notFound", title: "No such alert",
                          detail: "There is no alert \(id); list alerts with GET /v1/alerts.")
        }
        return Rows.alert(row)
    }

    func auditAlert(_ action: String, _ alert: Alert, session: Session, actor: AuditActor, db: Database, now: Date) throws {
        try AuditLog.append(db, action: action, actor: actor, entity: AuditEntity(type: "alert", id: String(alert.id), patientId: session.patientId), detail: [
            "sessionId": .string(session.id.uuidString), "ruleId": .string(alert.ruleId),
            "priority": .string(alert.priority.rawValue), "state": .string(alert.state.rawValue),
            "latched": .bool(alert.latched), "note": alert.note.map(JSONValue.string) ?? .null,
            "escalationLevel": .number(Double(alert.escalationLevel)),
        ], at: now)
        try recordAlertEvent(db, auditAction: action, alert: alert, now: now)
    }
}
