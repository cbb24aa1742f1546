import Foundation
import GRDB
import InfusionCore

extension ClinicalStore {
    /// Records an observation, runs the rules on it and applies their decisions, all in one transaction.
    /// A retry with the same `eventId` and body returns the original answer and stores nothing (`replayed`).
    public func recordObservation(
        sessionId: UUID, request: ObservationRequest, ruleSet: RuleSet, actor: AuditActor, now: Date
    ) async throws -> (response: EventResponse, replayed: Bool) {
        let answer = try await recordObservationAnswer(sessionId: sessionId, request: request, ruleSet: ruleSet, actor: actor, now: now)
        return (answer.response, answer.replayed)
    }

    /// ``recordObservation(sessionId:request:ruleSet:actor:now:)`` with the answer's stored JSON text as well.
    public func recordObservationAnswer(
        sessionId: UUID, request: ObservationRequest, ruleSet: RuleSet, actor: AuditActor, now: Date
    ) async throws -> StoredAnswer {
        // Encoded before the transaction, so the writer spends its time only on what must be serial.
        let body = try EncodedBody(request)
        return try await committer.write { db in
            if let original = try self.replay(db, eventId: request.eventId, sessionId: sessionId, body: body) {
                return original
            }
            guard let recorded = try self.runStep(.observation(request), sessionId: sessionId, ruleSet: ruleSet, actor: actor, now: now,
                                               db: db, body: body),
                  let response = recorded.response, let json = recorded.json
            else { throw StoredRecordUnreadable(what: "observation \(request.eventId) recorded no event") }
            return StoredAnswer(response: response, replayed: false, json: json)
        }
    }

    func unresolvedAlerts(_ db: Database, sessionId: UUID) throws -> [Alert] {
        try Row.fetchAll(try db.cachedStatement(sql: "SELECT * FROM alerts WHERE session_id = ? AND state != 'resolved' ORDER BY id"),
                         arguments: [sessionId.uuidString]).map(Rows.alert)
    }

    func loadAlert(_ db: Database, id: Int64) throws -> Alert {
        guard let row = try Row.fetchOne(db, sql: "SELECT * FROM alerts WHERE id = ?", arguments: [id]) else {
            throw SessionStep.alertNotFound(id)
        }
        return try Rows.alert(row)
    }
}
