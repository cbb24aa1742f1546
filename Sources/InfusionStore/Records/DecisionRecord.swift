import Foundation
import GRDB
import InfusionCore

/// A row of `decisions`: one rule decision with its inputs, thresholds, reason and rule-set hash (the document).
struct DecisionRecord: FetchableRecord, MutablePersistableRecord {
    static let databaseTableName = "decisions"

    enum Columns {
        static let id = Column("id")
        static let sessionId = Column("session_id")
        static let eventId = Column("event_id")
        static let decidedAt = Column("decided_at")
        static let ruleId = Column("rule_id")
        static let action = Column("action")
        static let priority = Column("priority")
        static let ruleSetHash = Column("rule_set_hash")
        static let document = Column("document")
    }

    var id: Int64?
    var sessionId: UUID
    var eventId: UUID
    var decidedAt: Date
    var ruleId: String
    var action: DecisionAction
    var priority: AlertPriority
    var ruleSetHash: String
    var document: String

    init(decision: Decision, document: String, sessionId: UUID, eventId: UUID, ruleSetHash: String, at: Date) {
        self.sessionId = sessionId
        self.eventId = eventId
        decidedAt = at
        ruleId = decision.ruleId
        action = decision.action
        priority = decision.priority
        self.ruleSetHash = ruleSetHash
        self.document = document
    }

    init(row: Row) throws {
        id = try row.integer(Columns.id)
        sessionId = try row.uuid(Columns.sessionId)
        eventId = try row.uuid(Columns.eventId)
        decidedAt = try row.time(Columns.decidedAt)
        ruleId = try row.text(Columns.ruleId)
        action = try row.raw(DecisionAction.self, Columns.action)
        priority = try row.raw(AlertPriority.self, Columns.priority)
        ruleSetHash = try row.text(Columns.ruleSetHash)
        document = try row.text(Columns.document)
    }

    func encode(to container: inout PersistenceContainer) throws {
        container[Columns.id] = id
        container[Columns.sessionId] = StoredValue.uuid(sessionId)
        container[Columns.eventId] = StoredValue.uuid(eventId)
        container[Columns.decidedAt] = StoredValue.time(decidedAt)
        container[Columns.ruleId] = ruleId
        container[Columns.action] = action.rawValue
        container[Columns.priority] = priority.rawValue
        container[Columns.ruleSetHash] = ruleSetHash
        container[Columns.document] = document
    }

    mutating func didInsert(_ inserted: InsertionSuccess) { id = inserted.rowID }

    /// The decision as the API shows it.
    func storedDecision() throws -> StoredDecision {
        guard let id else { throw StoredRecordUnreadable(what: "a decision without an id") }
        return StoredDecision(id: id, sessionId: sessionId, eventId: eventId, decidedAt: decidedAt, ruleSetHash: ruleSetHash,
                              decision: try StoredDocument.decode(Decision.self, document, what: "decision \(id)"))
    }
}
