import Foundation
import GRDB
import InfusionCore

extension ClinicalStore {
    /// Everything a replay of one session needs, read in one transaction: the session, its events with the
    /// decisions and answers stored for each, and when each rule set came into force.
    public func replayMaterial(sessionId: UUID) async throws -> (session: Session, events: [SessionReplay.StoredEvent], loads: [(hash: String, at: Date)]) {
        try await writer.read { db in
            let session = try Self.loadSession(db, id: sessionId)
            let records = try EventRecord.filter(EventRecord.Columns.sessionId == sessionId.uuidString)
                .order(EventRecord.Columns.sequence).fetchAll(db)
            let decisions = try DecisionRecord.filter(DecisionRecord.Columns.sessionId == sessionId.uuidString)
                .order(DecisionRecord.Columns.id).fetchAll(db).map { try $0.storedDecision() }
            let byEvent = Dictionary(grouping: decisions, by: \.eventId)
            let events = try records.map { record in
                let event = try record.event()
                let stored = byEvent[event.id] ?? []
                // The session after the event as it was answered; a replay reports an answer it cannot read as a
                // difference rather than stopping.
                let response = try? Rows.decode(EventResponse.self, record.response)
                return SessionReplay.StoredEvent(
                    event: event, decisions: stored.map(\.decision), decisionsRuleSetHash: stored.first?.ruleSetHash,
                    sessionAfter: response?.session)
            }
            let loads = try Row.fetchAll(db, sql: "SELECT hash, loaded_at FROM rule_set_loads ORDER BY id").map { row in
                (hash: try row.text(Column("hash")), at: try row.time(Column("loaded_at")))
            }
            return (session, events, loads)
        }
    }
}
