import Foundation
import GRDB
import InfusionCore

/// Row mapping between the tables and the domain values.
enum Rows {
    static func time(_ date: Date) -> String { WireJSON.formatTimestamp(date) }

    static func date(_ text: String?) -> Date? { text.flatMap(WireJSON.parseTimestamp) }

    static func json<T: Encodable>(_ value: T) throws -> String {
        String(decoding: try WireJSON.encode(value), as: UTF8.self)
    }

    static func decode<T: Decodable>(_ type: T.Type, _ text: String) throws -> T {
        try WireJSON.decoder().decode(type, from: Data(text.utf8))
    }

    /// `decode` as a function of the text, for memos.
    static func decoder<T: Decodable>() -> (String) throws -> T {
        { text in try decode(T.self, text) }
    }

    static func session(_ row: Row) throws -> Session {
        try decode(Session.self, row["document"])
    }

    /// A column that must hold a UUID; anything else is a damaged record, not a default.
    static func uuid(_ row: Row, _ column: String) throws -> UUID {
        guard let text: String = row[column], let id = UUID(uuidString: text) else {
            throw StoredRecordUnreadable(what: "\(column) \(String(describing: row[column] as String?)) is not a UUID")
        }
        return id
    }

    /// A column that must hold a stored time.
    static func requiredDate(_ row: Row, _ column: String) throws -> Date {
        guard let date = date(row[column]) else {
            throw StoredRecordUnreadable(what: "\(column) \(String(describing: row[column] as String?)) is not a stored time")
        }
        return date
    }

    /// A column that must hold one of a type's raw values.
    static func value<T: RawRepresentable>(_ type: T.Type, _ row: Row, _ column: String) throws -> T where T.RawValue == String {
        guard let text: String = row[column], let value = T(rawValue: text) else {
            throw StoredRecordUnreadable(what: "\(column) \(String(describing: row[column] as String?)) is not a \(T.self)")
        }
        return value
    }

    static func alert(_ row: Row) throws -> Alert {
        Alert(
            id: row["id"], sessionId: try uuid(row, "session_id"), ruleId: row["rule_id"],
            priority: try value(AlertPriority.self, row, "priority"),
            state: try value(AlertState.self, row, "state"), latched: row["latched"], reason: row["reason"],
            guidance: row["guidance"], raisedAt: try requiredDate(row, "raised_at"),
            updatedAt: try requiredDate(row, "updated_at"), acknowledgedBy: row["acknowledged_by"],
            acknowledgedAt: date(row["acknowledged_at"]), note: row["note"], resolvedAt: date(row["resolved_at"]),
            escalationLevel: row["escalation_level"])
    }

    static func event(_ row: Row) throws -> ClinicalEvent {
        ClinicalEvent(
            id: try uuid(row, "id"), sessionId: try uuid(row, "session_id"),
            sequence: row["sequence"], kind: try value(ClinicalEventKind.self, row, "kind"),
            recordedAt: try requiredDate(row, "recorded_at"), occurredAt: try requiredDate(row, "occurred_at"),
            recordedBy: row["recorded_by"], body: try decode(JSONValue.self, row["body"]))
    }

    static func storedDecision(_ row: Row) throws -> StoredDecision {
        StoredDecision(
            id: row["id"], sessionId: try uuid(row, "session_id"),
            eventId: try uuid(row, "event_id"), decidedAt: try requiredDate(row, "decided_at"),
            ruleSetHash: row["rule_set_hash"], decision: try decode(Decision.self, row["document"]))
    }
}
