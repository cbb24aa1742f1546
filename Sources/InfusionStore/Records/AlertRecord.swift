import Foundation
import GRDB
import InfusionCore

/// A row of `alerts`: the alert as it stands now, and the decision that last raised or changed it.
struct AlertRecord: FetchableRecord, MutablePersistableRecord {
    static let databaseTableName = "alerts"

    enum Columns {
        static let id = Column("id")
        static let sessionId = Column("session_id")
        static let ruleId = Column("rule_id")
        static let priority = Column("priority")
        static let state = Column("state")
        static let latched = Column("latched")
        static let reason = Column("reason")
        static let guidance = Column("guidance")
        static let raisedAt = Column("raised_at")
        static let updatedAt = Column("updated_at")
        static let acknowledgedBy = Column("acknowledged_by")
        static let acknowledgedAt = Column("acknowledged_at")
        static let note = Column("note")
        static let resolvedAt = Column("resolved_at")
        static let escalationLevel = Column("escalation_level")
        static let decisionId = Column("decision_id")
    }

    var alert: Alert
    /// Nil on an insert: the database gives the id.
    var rowId: Int64?
    var decisionId: Int64?

    init(alert: Alert, decisionId: Int64?, isNew: Bool) {
        self.alert = alert
        self.rowId = isNew ? nil : alert.id
        self.decisionId = decisionId
    }

    init(row: Row) throws {
        alert = Alert(
            id: try row.integer(Columns.id), sessionId: try row.uuid(Columns.sessionId), ruleId: try row.text(Columns.ruleId),
            priority: try row.raw(AlertPriority.self, Columns.priority), state: try row.raw(AlertState.self, Columns.state),
            latched: try row.flag(Columns.latched), reason: try row.text(Columns.reason), guidance: row[Columns.guidance.name],
            raisedAt: try row.time(Columns.raisedAt), updatedAt: try row.time(Columns.updatedAt),
            acknowledgedBy: row[Columns.acknowledgedBy.name], acknowledgedAt: try row.optionalTime(Columns.acknowledgedAt),
            note: row[Columns.note.name], resolvedAt: try row.optionalTime(Columns.resolvedAt),
            escalationLevel: Int(try row.integer(Columns.escalationLevel)))
        rowId = alert.id
        decisionId = row[Columns.decisionId.name]
    }

    func encode(to container: inout PersistenceContainer) throws {
        container[Columns.id] = rowId
        container[Columns.sessionId] = StoredValue.uuid(alert.sessionId)
        container[Columns.ruleId] = alert.ruleId
        container[Columns.priority] = alert.priority.rawValue
        container[Columns.state] = alert.state.rawValue
        container[Columns.latched] = alert.latched
        container[Columns.reason] = alert.reason
        container[Columns.guidance] = alert.guidance
        container[Columns.raisedAt] = StoredValue.time(alert.raisedAt)
        container[Columns.updatedAt] = StoredValue.time(alert.updatedAt)
        container[Columns.acknowledgedBy] = alert.acknowledgedBy
        container[Columns.acknowledgedAt] = alert.acknowledgedAt.map(StoredValue.time)
        container[Columns.note] = alert.note
        container[Columns.resolvedAt] = alert.resolvedAt.map(StoredValue.time)
        container[Columns.escalationLevel] = alert.escalationLevel
        container[Columns.decisionId] = decisionId
    }

    mutating func didInsert(_ inserted: InsertionSuccess) {
        rowId = inserted.rowID
        alert.id = inserted.rowID
    }

    /// What a change writes to an existing alert; the decision only when the change came with one, so an alert
    /// keeps pointing at the decision that last raised or re-raised it.
    var changedColumns: [Column] {
        [Columns.priority, Columns.state, Columns.latched, Columns.reason, Columns.guidance, Columns.updatedAt,
         Columns.acknowledgedBy, Columns.acknowledgedAt, Columns.note, Columns.resolvedAt, Columns.escalationLevel]
            + (decisionId == nil ? [] : [Columns.decisionId])
    }

    /// Unresolved: active or acknowledged.
    static var unresolved: QueryInterfaceRequest<AlertRecord> { filter(Columns.state != AlertState.resolved.rawValue) }
}

/// A row of `alert_events`: one alert change, with the alert as it stood after it. Its id is the alert stream's
/// event id.
struct AlertEventRecord: FetchableRecord, MutablePersistableRecord {
    static let databaseTableName = "alert_events"

    enum Columns {
        static let id = Column("id")
        static let alertId = Column("alert_id")
        static let sessionId = Column("session_id")
        static let kind = Column("kind")
        static let at = Column("at")
        static let document = Column("document")
    }

    var id: Int64?
    var alertId: Int64
    var sessionId: UUID
    var kind: AlertEventKind
    var at: Date
    /// The alert after the change as wire JSON.
    var document: String

    init(kind: AlertEventKind, alert: Alert, document: String, at: Date) {
        alertId = alert.id
        sessionId = alert.sessionId
        self.kind = kind
        self.at = at
        self.document = document
    }

    init(row: Row) throws {
        id = try row.integer(Columns.id)
        alertId = try row.integer(Columns.alertId)
        sessionId = try row.uuid(Columns.sessionId)
        kind = try row.raw(AlertEventKind.self, Columns.kind)
        at = try row.time(Columns.at)
        document = try row.text(Columns.document)
    }

    func encode(to container: inout PersistenceContainer) throws {
        container[Columns.id] = id
        container[Columns.alertId] = alertId
        container[Columns.sessionId] = StoredValue.uuid(sessionId)
        container[Columns.kind] = kind.rawValue
        container[Columns.at] = StoredValue.time(at)
        container[Columns.document] = document
    }

    mutating func didInsert(_ inserted: InsertionSuccess) { id = inserted.rowID }

    /// The event as the stream and the hooks carry it.
    func alertEvent() throws -> AlertEvent {
        guard let id else { throw StoredRecordUnreadable(what: "an alert event without an id") }
        return AlertEvent(id: id, kind: kind, at: at, alert: try StoredDocument.decode(Alert.self, document, what: "alert event \(id)"))
    }
}
