import Foundation
import InfusionClient
import InfusionCore

extension Render {
    /// The daemon's health as a short report.
    static func health(_ health: Health, socketPath: String) -> String {
        "infusiond \(health.version): \(health.status)\n"
            + fields([
                ("Socket", socketPath),
                ("Started", DisplayFormat.timestamp(health.startedAt)
                    + " (up " + DisplayFormat.duration(seconds: health.uptimeSeconds) + ")"),
                ("Database", "\(health.database), schema \(health.schemaVersion)"),
                ("Rule set", health.ruleSetHash),
                ("Open sessions", String(health.openSessions)),
                ("Active alerts", String(health.activeAlerts)),
                ("Audit records", String(health.auditRecords)),
            ])
    }
}
