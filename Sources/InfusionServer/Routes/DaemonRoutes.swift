import Foundation
import HTTPTypes
import Hummingbird
import Logging
import InfusionCore
import InfusionStore

/// Health and the audit trail.
enum DaemonRoutes {
    static func add(to router: Router<InfusionRequestContext>, state: ServerState) {
        router.get("/v1/health") { _, _ in
            let now = state.clock()
            let counts = try await state.store.counts()
            return try JSONResponse.make(Health(
                status: "ok", version: state.version, startedAt: state.startedAt,
                uptimeSeconds: (now.timeIntervalSince(state.startedAt) * 1000).rounded() / 1000,
                database: state.store.database.path, schemaVersion: ClinicalDatabase.schemaVersion,
                ruleSetHash: state.ruleSet.hash, openSessions: counts.openSessions, activeAlerts: counts.activeAlerts,
                auditRecords: counts.auditRecords))
        }

        router.get("/v1/audit") { request, _ in
            let afterText = request.uri.queryParameters.get("after") ?? "0"
            guard let after = Int64(afterText), after >= 0 else { throw Problem.badQuery("after", afterText, allowed: "a seq ≥ 0") }
            let limitText = request.uri.queryParameters.get("limit") ?? "100"
            guard let limit = Int(limitText), (1...1000).contains(limit) else {
                throw Problem.badQuery("limit", limitText, allowed: "1…1000")
            }
            return try JSONResponse.make(try await state.store.auditPage(after: after, limit: limit))
        }

        router.get("/v1/audit/verify") { _, _ in
            try JSONResponse.make(try await state.store.verifyAudit())
        }
    }
}
