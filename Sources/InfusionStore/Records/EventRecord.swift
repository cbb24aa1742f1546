import Foundation
import GRDB
import InfusionCore

/// A row of `events`, the append-only clinical log: the request as accepted, the answer that was sent, and the
/// history columns the rules' snapshot is loaded from (so it never reads them out of the stored answer).
struct EventRecord: FetchableRecord, PersistableRecord {
    static let databaseTableName = "events"

    enum Columns {
        static let id = Column("id")
        static let sessionId = Column("session_id")
        static let sequence = Column("sequence")
        static let kind = Column("kind")
        static let recordedAt = Column("recorded_at")
        static let occurredAt = Column("occurred_at")
        static let recordedBy = Column("recorded_by")
        static let body = Column("body")
        static let response = Column("response")
        static let stateAfter = Column("state_after")
        static let ruleEntry = Column("rule_entry")
        static let stopped = Column("stopped")
    }

    var id: UUID
    var sessionId: UUID
    var sequence: Int64
    var kind: ClinicalEventKind
    var recordedAt: Date
    var occurredAt: Date
    var recordedBy: String
    /// The request in canonical JSON; a retry with the same id must match it byte for byte.
    var body: String
    /// The answer that was sent, returned again for an idempotent retry.
    var response: String
    /// The session's state after the event.
    var stateAfter: SessionState
    /// Whether every rule evaluation reads the event (``SessionSnapshot/isRuleEntry(_:decisions:)``).
    var ruleEntry: Bool
    /// Whether a decision taken on the event stopped the session.
    var stopped: Bool

    init(id: UUID, sessionId: UUID, sequence: Int64, kind: ClinicalEventKind, recordedAt: Date, occurredAt: Date, recordedBy: String,
         body: String, response: String, stateAfter: SessionState, ruleEntry: Bool, stopped: Bool) {
        self.id = id
        self.sessionId = sessionId
        self.sequence = sequence
        self.kind = kind
        self.recordedAt = recordedAt
        self.occurredAt = occurredAt
        self.recordedBy = recordedBy
        self.body = body
        self.response = response
        self.stateAfter = stateAfter
        self.ruleEntry = ruleEntry
        self.stopped = stopped
    }

    init(row: Row) throws {
        id = try row.uuid(Columns.id)
        sessionId = try row.uuid(Columns.sessionId)
        sequence = try row.integer(Columns.sequence)
        kind = try row.raw(ClinicalEventKind.self, Columns.kind)
        recordedAt = try row.time(Columns.recordedAt)
        occurredAt = try row.time(Columns.occurredAt)
        recordedBy = try row.text(Columns.recordedBy)
        body = try row.text(Columns.body)
        response = try row.text(Columns.response)
        stateAfter = try row.raw(SessionState.self, Columns.stateAfter)
        ruleEntry = try row.flag(Columns.ruleEntry)
        stopped = try row.flag(Columns.stopped)
    }

    func encode(to container: inout PersistenceContainer) throws {
        container[Columns.id] = StoredValue.uuid(id)
        container[Columns.sessionId] = StoredValue.uuid(sessionId)
        container[Columns.sequence] = sequence
        container[Columns.kind] = kind.rawValue
        container[Columns.recordedAt] = StoredValue.time(recordedAt)
        container[Columns.occurredAt] = StoredValue.time(occurredAt)
        container[Columns.recordedBy] = recordedBy
        container[Columns.body] = body
        container[Columns.response] = response
        container[Columns.stateAfter] = stateAfter.rawValue
        container[Columns.ruleEntry] = ruleEntry
        container[Columns.stopped] = stopped
    }

    /// The event as the API shows it.
    func event() throws -> ClinicalEvent {
        ClinicalEvent(id: id, sessionId: sessionId, sequence: sequence, kind: kind, recordedAt: recordedAt, occurredAt: occurredAt,
                      recordedBy: recordedBy, body: try StoredDocument.decode(JSONValue.self, body, what: "event \(id.uuidString) body"))
    }
}

/// Stored JSON documents, decoded strictly: one that no longer decodes is a damaged record.
enum StoredDocument {
    static func decode<T: Decodable>(_ type: T.Type, _ text: String, what: @autoclosure () -> String) throws -> T {
        do {
            return try WireJSON.decoder().decode(type, from: Data(text.utf8))
        } catch {
            throw StoredRecordUnreadable(what: "\(what()): \(error)")
        }
    }
}
