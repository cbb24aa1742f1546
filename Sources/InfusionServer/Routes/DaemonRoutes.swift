import Foundation
import HTTPTypes
import Hummingbird
import Logging
import InfusionCore
import InfusionStore

/// Health (the audit trail's routes are in AuditRoutes).
enum DaemonRoutes {
    static func add(to router: Router<InfusionRequestContext>, state: ServerState) {
        router.get("/v1/health") { _, _ in
            let now = state.clock()
            let counts = try await state.store.counts()
            let systemAlerts = state.integrity.systemAlerts + state.replication.systemAlerts
            return try JSONResponse.make(Health(
                status: state.integrity.failed ? "degraded" : state.storage.healthStatus, version: state.version, startedAt: state.startedAt,
                uptimeSeconds: (now.timeIntervalSince(state.startedAt) * 1000).rounded() / 1000,
                database: state.store.database.path, schemaVersion: ClinicalDatabase.schemaVersion,
                ruleSetHash: state.ruleSet.hash, openSessions: counts.openSessions, activeAlerts: counts.activeAlerts,
                auditRecords: counts.auditRecords, storeEpoch: state.storeEpoch.epoch, replication: state.replication.health(at: now),
                systemAlerts: systemAlerts.isEmpty ? nil : systemAlerts))
        }
    }
}
