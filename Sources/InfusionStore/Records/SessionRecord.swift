import Foundation
import GRDB
import InfusionCore

/// A row of `sessions`: the session as JSON, with the columns queries select on.
struct SessionRecord: FetchableRecord, PersistableRecord {
    static let databaseTableName = "sessions"

    enum Columns {
        static let id = Column("id")
        static let patientId = Column("patient_id")
        static let drug = Column("drug")
        static let state = Column("state")
        static let startedAt = Column("started_at")
        static let updatedAt = Column("updated_at")
        static let ruleSetHash = Column("rule_set_hash")
        static let document = Column("document")
    }

    var id: UUID
    var patientId: String
    var drug: Drug
    var state: SessionState
    var startedAt: Date
    var updatedAt: Date
    var ruleSetHash: String
    /// The whole ``Session`` as wire JSON.
    var document: String

    init(session: Session, document: String, ruleSetHash: String, at: Date) {
        id = session.id
        patientId = session.patientId
        drug = session.drug
        state = session.state
        startedAt = at
        updatedAt = at
        self.ruleSetHash = ruleSetHash
        self.document = document
    }

    init(row: Row) throws {
        id = try row.uuid(Columns.id)
        patientId = try row.text(Columns.patientId)
        drug = try row.raw(Drug.self, Columns.drug)
        state = try row.raw(SessionState.self, Columns.state)
        startedAt = try row.time(Columns.startedAt)
        updatedAt = try row.time(Columns.updatedAt)
        ruleSetHash = try row.text(Columns.ruleSetHash)
        document = try row.text(Columns.document)
    }

    func encode(to container: inout PersistenceContainer) throws {
        container[Columns.id] = StoredValue.uuid(id)
        container[Columns.patientId] = patientId
        container[Columns.drug] = drug.rawValue
        container[Columns.state] = state.rawValue
        container[Columns.startedAt] = StoredValue.time(startedAt)
        container[Columns.updatedAt] = StoredValue.time(updatedAt)
        container[Columns.ruleSetHash] = ruleSetHash
        container[Columns.document] = document
    }

    /// The stored session; a document that no longer decodes is a damaged record.
    func session() throws -> Session {
        do {
            return try WireJSON.decoder().decode(Session.self, from: Data(document.utf8))
        } catch {
            throw StoredRecordUnreadable(what: "session \(id.uuidString): \(error)")
        }
    }

    /// The columns a step changes on a session that already exists.
    static let changedBySteps = [Columns.state, Columns.updatedAt, Columns.document]
}
