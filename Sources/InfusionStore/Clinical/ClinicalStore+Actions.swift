import Foundation
import GRDB
import InfusionCore

extension ClinicalStore {
    /// Records a clinician or bedside action in one transaction (a retry with the same `eventId` is idempotent).
    public func recordAction(
        sessionId: UUID, request: ActionRequest, ruleSet: RuleSet, actor: AuditActor, now: Date
    ) async throws -> (response: EventResponse, replayed: Bool) {
        try await committer.write { db in
            let eventId = request.eventId ?? UUID()
            if request.eventId != nil, let original = try self.replay(db, eventId: eventId, sessionId: sessionId, body: request) {
                return (original.response, true)
            }
            let session = try Self.loadSession(db, id: sessionId)
            let profile = try ruleSet.profile(for: session.drug)
            var outcome = try SessionMachine.apply(request, to: session, limits: profile.limits,
                                                   regimenRule: profile.resolvedRegimenRule, now: now)
            if request.action == .close {
                try self.requireLatchedAlertsAcknowledged(db, session: session)
            }
            outcome.decisions += try self.scheduleDecisions(db, session: session, request: request, ruleSet: ruleSet, now: now)
            // The profile's rules on the order as it now stands (L14 on a new rate, L16 at a new bolus).
            let ruled = try self.ruleDecisions(db, afterAction: request, session: outcome.session, profile: profile, now: now)
            outcome.decisions += ruled
            outcome.session = SessionMachine.apply(ruled, to: outcome.session)
            let event = try self.nextEvent(db, id: eventId, session: session, kind: .action, occurredAt: now,
                                           recordedBy: request.by, body: request, now: now)
            try AuditLog.append(db, action: "session.\(request.action.rawValue)", actor: actor, entity: Self.entity(session), detail: [
                "eventId": .string(eventId.uuidString), "reason": request.reason.map(JSONValue.string) ?? .null,
                "override": request.override.map { ["by": .string($0.by), "reason": .string($0.reason)] } ?? .null,
                "infusionRateMgPerKgPerHour": request.infusion.map { .number($0.rateMgPerKgPerHour) } ?? .null,
                "bolusMgPerKg": request.bolus.map { .number($0.doseMgPerKg) } ?? .null,
            ], at: now)
            var alerts = try self.record(outcome.decisions, event: event, session: outcome.session, ruleSetHash: ruleSet.hash,
                                         actor: actor, db: db, now: now)
            switch request.action {
            case .pumpStopped:
                alerts += try self.resolveAlerts(db, session: outcome.session, onlyAcknowledgedLatched: true, actor: actor, now: now)
            case .close:
                alerts += try self.resolveAlerts(db, session: outcome.session, onlyAcknowledgedLatched: false, actor: actor, now: now)
            default:
                break
            }
            try self.save(outcome.session, previous: session, actor: actor, db: db, now: now)
            let response = EventResponse(event: event, decisions: outcome.decisions, session: outcome.session, alerts: alerts)
            try self.insert(event, response: response, db: db)
            try self.stopOtherSessions(db, after: outcome.session, previous: session, decisions: outcome.decisions,
                                       ruleSet: ruleSet, now: now)
            return (response, false)
        }
    }

    private func requireLatchedAlertsAcknowledged(_ db: Database, session: Session) throws {
        let pending = try unresolvedAlerts(db, sessionId: session.id).filter { $0.latched && $0.state == .active }
        guard pending.isEmpty else {
            throw Problem(status: 409, code: "session.alertsUnacknowledged", title: "Stop alerts not acknowledged",
                          detail: "Acknowledge alert(s) \(pending.map { String($0.id) }.joined(separator: ", ")) before closing the session.")
        }
    }

    /// Resolves the session's alerts that may now end: after `pumpStopped`, acknowledged latched stop alerts; at
    /// close, everything still unresolved.
    private func resolveAlerts(_ db: Database, session: Session, onlyAcknowledgedLatched: Bool, actor: AuditActor, now: Date) throws -> [Alert] {
        let candidates = try unresolvedAlerts(db, sessionId: session.id).filter {
            !onlyAcknowledgedLatched || ($0.latched && $0.state == .acknowledged)
        }
        return try candidates.map { alert in
            try db.execute(sql: "UPDATE alerts SET state = 'resolved', resolved_at = ?, updated_at = ? WHERE id = ?",
                           arguments: [Rows.time(now), Rows.time(now), alert.id])
            let resolved = try loadAlert(db, id: alert.id)
            try auditAlert("alert.resolve", resolved, session: session, actor: actor, db: db, now: now)
            return resolved
        }
    }

    // MARK: Alerts

    /// Alerts filtered by state and session, newest first; `state` nil means active and acknowledged.
    public func alerts(state: AlertState?, sessionId: UUID?) async throws -> [Alert] {
        try await writer.read { db in
            var clauses: [String] = []
            var arguments: StatementArguments = []
            if let state {
                clauses.append("state = ?")
                arguments += [state.rawValue]
            } else {
                clauses.append(OpenStateFilters.alerts)
            }
            if let sessionId {
                clauses.append("session_id = ?")
                arguments += [sessionId.uuidString]
            }
            let sql = "SELECT * FROM alerts WHERE \(clauses.joined(separator: " AND ")) ORDER BY CASE priority WHEN 'high' THEN 0 WHEN 'medium' THEN 1 ELSE 2 END, id DESC"
            return try Row.fetchAll(db, sql: sql, arguments: arguments).map(Rows.alert)
        }
    }

    /// Acknowledges an alert with who and an optional note. A latched stop alert resolves once the pump is also
    /// confirmed stopped; otherwise it stays acknowledged until then.
    public func acknowledge(alertId: Int64, request: AcknowledgeRequest, actor: AuditActor, now: Date) async throws -> Alert {
        try await committer.write { db in
            let alert = try self.loadAlert(db, id: alertId)
            switch alert.state {
            case .resolved:
                throw Problem(status: 409, code: "alert.resolved", title: "Alert already resolved",
                              detail: "Alert \(alertId) was resolved at \(alert.resolvedAt.map(WireJSON.formatTimestamp) ?? "?"); nothing to acknowledge.")
            case .acknowledged:
                throw Problem(status: 409, code: "alert.alreadyAcknowledged", title: "Alert already acknowledged",
                              detail: "Alert \(alertId) was acknowledged by \(alert.acknowledgedBy ?? "?"); it stays visible until it resolves.")
            case .active:
                break
            }
            let session = try Self.loadSession(db, id: alert.sessionId)
            let pumpConfirmed = session.pumpConfirmedStoppedAt.map { $0 >= alert.raisedAt } ?? false
            let state = AlertPolicy.stateAfterAcknowledgement(alert, pumpConfirmed: pumpConfirmed)
            try db.execute(
                sql: "UPDATE alerts SET state = ?, acknowledged_by = ?, acknowledged_at = ?, note = ?, updated_at = ?, resolved_at = CASE WHEN ? = 'resolved' THEN ? ELSE resolved_at END WHERE id = ?",
                arguments: [state.rawValue, request.by, Rows.time(now), request.note, Rows.time(now), state.rawValue, Rows.time(now), alertId])
            let updated = try self.loadAlert(db, id: alertId)
            try self.auditAlert("alert.acknowledge", updated, session: session, actor: actor, db: db, now: now)
            if state == .resolved {
                try self.auditAlert("alert.resolve", updated, session: session, actor: actor, db: db, now: now)
            }
            return updated
        }
    }
}
