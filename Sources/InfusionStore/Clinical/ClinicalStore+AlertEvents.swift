import Foundation
import GRDB
import InfusionCore

extension ClinicalStore {
    /// Appends the alert event for an alert change, in the caller's transaction (with its audit record), so the
    /// stream and the audit trail can never disagree about what happened to an alert; queues its hook notice.
    func recordAlertEvent(_ db: Database, kind: AlertEventKind, alert: Alert, notify: Bool, now: Date) throws -> AlertEvent {
        var record = AlertEventRecord(kind: kind, alert: alert, document: try Rows.json(alert), at: now)
        try record.insert(db)
        let id = db.lastInsertedRowID
        if notify { try enqueueAlertNotice(db, eventId: id, kind: kind, alert: alert, now: now) }
        return AlertEvent(id: id, kind: kind, at: now, alert: alert)
    }

    /// Alert events after `after` (an event id; 0 for all), oldest first, at most `limit`.
    public func alertEvents(after: Int64, limit: Int) async throws -> [AlertEvent] {
        try await writer.read { db in
            try AlertEventRecord.filter(AlertEventRecord.Columns.id > after).order(AlertEventRecord.Columns.id).limit(limit)
                .fetchAll(db).map { try $0.alertEvent() }
        }
    }

    /// The id of the latest alert event, or 0 when there is none.
    public func latestAlertEventId() async throws -> Int64 {
        try await writer.read { db in try Int64.fetchOne(db, sql: "SELECT COALESCE(MAX(id), 0) FROM alert_events") ?? 0 }
    }

    /// The events of the given alerts, oldest first, by alert.
    static func alertEvents(_ db: Database, of alertIds: [Int64]) throws -> [Int64: [AlertEvent]] {
        guard !alertIds.isEmpty else { return [:] }
        let events = try AlertEventRecord.filter(alertIds.contains(AlertEventRecord.Columns.alertId))
            .order(AlertEventRecord.Columns.id).fetchAll(db).map { try $0.alertEvent() }
        return Dictionary(grouping: events, by: \.alert.id)
    }

    // MARK: Escalation

    /// Every unresolved alert with its events (oldest first) and its session's drug, for the escalation timer.
    public func unresolvedAlertsWithHistory() async throws -> [(alert: Alert, drug: Drug, history: [AlertEvent])] {
        try await writer.read { db in
            let alerts = try AlertRecord.filter(sql: OpenStateFilters.alerts).order(AlertRecord.Columns.id).fetchAll(db).map(\.alert)
            guard !alerts.isEmpty else { return [] }
            let byAlert = try Self.alertEvents(db, of: alerts.map(\.id))
            var drugs: [UUID: Drug] = [:]
            return try alerts.map { alert in
                if drugs[alert.sessionId] == nil {
                    drugs[alert.sessionId] = try Self.loadSession(db, id: alert.sessionId).drug
                }
                return (alert, drugs[alert.sessionId] ?? .lidocaine, byAlert[alert.id] ?? [])
            }
        }
    }
}
