import Foundation
import GRDB
import InfusionCore

extension ClinicalStore {
    /// The sessions whose dose, duration and predicted level can still change: running or paused.
    public func deliveringSessionIds() async throws -> [UUID] {
        try await writer.read { db in
            try String.fetchAll(db, sql: "SELECT id FROM sessions WHERE state IN ('running', 'paused') ORDER BY started_at")
                .compactMap(UUID.init(uuidString:))
        }
    }

    /// Re-evaluates a session's rules at `now` without an observation (delivered dose L16, duration L17, predicted
    /// level L14), in one write transaction. When they ask for something new (an alert not yet raised at that
    /// priority, or a pause or stop) it records a `system` event with its decisions, alert changes and audit
    /// records, and a rule's stop stops the patient's other open session (X01). Returns nil when nothing new was
    /// needed.
    public func recordClockCheck(sessionId: UUID, ruleSet: RuleSet, now: Date) async throws -> EventResponse? {
        try await commit(.clockTick(eventId: UUID()), sessionId: sessionId, ruleSet: ruleSet, actor: .daemon, now: now)?.response
    }
}
