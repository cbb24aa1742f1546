import Foundation
import GRDB
import InfusionCore

extension ClinicalStore {
    /// Everything a replay of one session needs, read in one transaction: the session, its events with the
    /// decisions and answers stored for each, and when each rule set came into force.
    public func replayMaterial(sessionId: UUID) async throws -> (session: Session, events: [SessionReplay.StoredEvent], loads: [(hash: String, at: Date)]) {
        try await writer.read { db in
            let session = try Self.loadSession(db, id: sessionId)
            let rows = try Row.fetchAll(db, sql: "SELECT * FROM events WHERE session_id = ? ORDER BY sequence", arguments: [sessionId.uuidString])
            let decisions = try Row.fetchAll(db, sql: "SELECT * FROM decisions WHERE session_id = ? ORDER BY id", arguments: [sessionId.uuidString])
                .map(Rows.storedDecision)
            let byEvent = Dictionary(grouping: decisions, by: \.eventId)
            let events = try rows.map { row in
                let event = try Rows.event(row)
                let stored = byEvent[event.id] ?? []
                let response = try? Rows.decode(EventResponse.self, row["response"])
                return SessionReplay.StoredEvent(
                    event: event, decisions: stored.map(\.decision), decisionsRuleSetHash: stored.first?.ruleSetHash,
                    sessionAfter: response?.session)
            }
            let loads = try Row.fetchAll(db, sql: "SELECT hash, loaded_at FROM rule_set_loads ORDER BY id").map { row in
                (hash: row["hash"] as String, at: Rows.date(row["loaded_at"]) ?? .distantPast)
            }
            return (session, events, loads)
        }
    }
}
