import Foundation
import HTTPTypes
import Hummingbird
import InfusionCore
import InfusionStore
import Logging

/// `POST /v1/sessions/{id}/replay`: re-runs a session's events with the rules recorded for them and reports every
/// decision that would differ. Reads only; changes nothing.
enum ReplayRoutes {
    static func add(to router: Router<InfusionRequestContext>, state: ServerState) {
        router.post("/v1/sessions/:id/replay") { _, context in
            let id = try context.uuidParameter("id", notFound: Problem.sessionNotFound)
            let report = try await replay(sessionId: id, state: state)
            context.logger.info("session replayed", metadata: [
                "infusion.session.id": "\(id)", "infusion.replay.events": "\(report.eventsReplayed)",
                "infusion.replay.differences": "\(report.differences.count)",
            ])
            return try JSONResponse.make(report)
        }
    }

    /// Replays one session: each event with the rule set stored with its decisions, else the one loaded when it was
    /// recorded; rule sets are rebuilt from their stored profile texts and must hash to the recorded hash.
    static func replay(sessionId: UUID, state: ServerState) async throws -> ReplayReport {
        let material = try await state.store.replayMaterial(sessionId: sessionId)
        let current = state.ruleSet
        func hash(for stored: SessionReplay.StoredEvent) -> String {
            stored.decisionsRuleSetHash
                ?? material.loads.last(where: { $0.at <= stored.event.recordedAt })?.hash
                ?? material.session.ruleSetHash
        }
        var ruleSets: [String: RuleSet] = [current.hash: current]
        for wanted in Set(material.events.map(hash(for:))) where ruleSets[wanted] == nil {
            guard let sources = try await state.store.ruleSetSources(hash: wanted),
                  let rebuilt = try? ProfileLoader.ruleSet(from: sources.map { ($0.name, $0.contents) }),
                  rebuilt.hash == wanted else { continue }
            ruleSets[wanted] = rebuilt
        }
        let available = ruleSets
        return SessionReplay.replay(session: material.session, events: material.events) { available[hash(for: $0)] }
    }
}
