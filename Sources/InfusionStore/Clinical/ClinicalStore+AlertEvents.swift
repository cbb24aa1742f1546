import Foundation
import GRDB
import InfusionCore

extension ClinicalStore {
    /// Appends the alert event for an alert change, in the caller's transaction (with its audit record), so the
    /// stream and the audit trail can never disagree about what happened to an alert; queues its hook notice.
    func recordAlertEvent(_ db: Database, kind: AlertEventKind, alert: Alert, now: Date) throws -> AlertEvent {
        try db.cachedStatement(sql: "INSERT INTO alert_events (alert_id, session_id, kind, at, document) VALUES (?, ?, ?, ?, ?)")
            .execute(arguments: [alert.id, alert.sessionId.uuidString, kind.rawValue, Rows.time(now), try Rows.json(alert)])
        let id = db.lastInsertedRowID
        try enqueueAlertNotice(db, eventId: id, kind: kind, alert: alert, now: now)
        return AlertEvent(id: id, kind: kind, at: now, alert: alert)
    }

    /// Alert events after `after` (an event id; 0 for all), oldest first, at most `limit`.
    public func alertEvents(after: Int64, limit: Int) async throws -> [AlertEvent] {
        try await writer.read { db in
            try Row.fetchAll(db, sql: "SELECT * FROM alert_events WHERE id > ? ORDER BY id LIMIT ?", arguments: [after, limit])
                .map(Self.alertEvent)
        }
    }

    /// The id of the latest alert event, or 0 when there is none.
    public func latestAlertEventId() async throws -> Int64 {
        try await writer.read { db in try Int64.fetchOne(db, sql: "SELECT COALESCE(MAX(id), 0) FROM alert_events") ?? 0 }
    }

    static func alertEvent(_ row: Row) throws -> AlertEvent {
        AlertEvent(id: row["id"], kind: try Rows.value(AlertEventKind.self, row, "kind"),
                   at: try Rows.requiredDate(row, "at"), alert: try Rows.decode(Alert.self, row["document"]))
    }

    // MARK: Escalation

    /// Every unresolved alert with its events (oldest first) and its session's drug, for the escalation timer.
    public func unresolvedAlertsWithHistory() async throws -> [(alert: Alert, drug: Drug, history: [AlertEvent])] {
        try await writer.read { db in
            let alerts = try Row.fetchAll(db, sql: "SELECT * FROM alerts WHERE \(OpenStateFilters.alerts) ORDER BY id").map(Rows.alert)
            guard !alerts.isEmpty else { return [] }
            let ids = alerts.map(\.id)
            let events = try Row.fetchAll(
                db, sql: "SELECT * FROM alert_events WHERE alert_id IN (\(ids.map { _ in "?" }.joined(separator: ","))) ORDER BY id",
                arguments: StatementArguments(ids)).map(Self.alertEvent)
            let byAlert = Dictionary(grouping: events, by: \.alert.id)
            var drugs: [UUID: Drug] = [:]
            return try alerts.map { alert in
                if drugs[alert.sessionId] == nil {
                    drugs[alert.sessionId] = try Self.loadSession(db, id: alert.sessionId).drug
                }
                return (alert, drugs[alert.sessionId] ?? .lidocaine, byAlert[alert.id] ?? [])
            }
        }
    }

    /// Applies an escalation step to an alert if it is still due, in one transaction with its audit record and
    /// alert event; returns the alert after the change, or nil when the alert changed meanwhile and no longer
    /// needs it (acknowledged, resolved, already escalated).
    public func escalate(alertId: Int64, profiles: RuleSet, now: Date) async throws -> Alert? {
        try await committer.write { db in
            let alert = try self.loadAlert(db, id: alertId)
            guard alert.state != .resolved else { return nil }
            return try self.runStep(.escalationTick(alertId: alertId), sessionId: alert.sessionId, ruleSet: profiles, actor: .daemon,
                                 now: now, db: db)?.alerts.first
        }
    }
}
