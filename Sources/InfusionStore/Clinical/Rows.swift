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

    static func alert(_ row: Row) -> Alert {
        Alert(
            id: row["id"], sessionId: UUID(uuidString: row["session_id"]) ?? UUID(), ruleId: row["rule_id"],
            priority: AlertPriority(rawValue: row["priority"]) ?? .high,
            state: AlertState(rawValue: row["state"]) ?? .active, latched: row["latched"], reason: row["reason"],
            guidance: row["guidance"], raisedAt: date(row["raised_at"]) ?? .distantPast,
            updatedAt: date(row["updated_at"]) ?? .distantPast, acknowledgedBy: row["acknowledged_by"],
            acknowledgedAt: date(row["acknowledged_at"]), note: row["note"], resolvedAt: date(row["resolved_at"]),
            escalationLevel: row["escalation_level"])
    }

    static func event(_ row: Row) throws -> ClinicalEvent {
        ClinicalEvent(
            id: UUID(uuidString: row["id"]) ?? UUID(), sessionId: UUID(uuidString: row["session_id"]) ?? UUID(),
            sequence: row["sequence"], kind: ClinicalEventKind(rawValue: row["kind"]) ?? .observation,
            recordedAt: date(row["recorded_at"]) ?? .distantPast, occurredAt: date(row["occurred_at"]) ?? .distantPast,
            recordedBy: row["recorded_by"], body: try decode(JSONValue.self, row["body"]))
    }

    static func storedDecision(_ row: Row) throws -> StoredDecision {
        StoredDecision(
            id: row["id"], sessionId: UUID(uuidString: row["session_id"]) ?? UUID(),
            eventId: UUID(uuidString: row["event_id"]) ?? UUID(), decidedAt: date(row["decided_at"]) ?? .distantPast,
            ruleSetHash: row["rule_set_hash"], decision: try decode(Decision.self, row["document"]))
    }
}
