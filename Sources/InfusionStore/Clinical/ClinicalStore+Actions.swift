import Foundation
import GRDB
import InfusionCore

extension ClinicalStore {
    /// Records a clinician or bedside action in one transaction (a retry with the same `eventId` is idempotent).
    public func recordAction(
        sessionId: UUID, request: ActionRequest, ruleSet: RuleSet, actor: AuditActor, now: Date
    ) async throws -> (response: EventResponse, replayed: Bool) {
        let body = try EncodedBody(request)
        return try await committer.write { db in
            let eventId = request.eventId ?? UUID()
            if request.eventId != nil, let original = try self.replay(db, eventId: eventId, sessionId: sessionId, body: body) {
                return (original.response, true)
            }
            guard let response = try self.runStep(.action(request, eventId: eventId), sessionId: sessionId, ruleSet: ruleSet, actor: actor,
                                               now: now, db: db, body: body)?.response
            else { throw StoredRecordUnreadable(what: "action \(eventId) recorded no event") }
            return (response, false)
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
            if alert.state == .resolved { throw SessionStep.alertResolved(alert) }
            // Acknowledging changes no session and needs no rule set.
            guard let recorded = try self.runStep(.acknowledge(alertId: alertId, request), sessionId: alert.sessionId, ruleSet: nil,
                                               actor: actor, now: now, db: db),
                  let updated = recorded.alerts.first
            else { throw StoredRecordUnreadable(what: "acknowledging alert \(alertId) recorded nothing") }
            return updated
        }
    }
}
