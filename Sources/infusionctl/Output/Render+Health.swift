import Foundation
import InfusionClient
import InfusionCore

extension Render {
    /// The daemon's health as a short report; system alerts come first, as they need someone to act.
    static func health(_ health: Health, socketPath: String, now: Date = Date()) -> String {
        var text = "infusiond \(health.version): \(health.status)\n"
        for alert in health.systemAlerts ?? [] {
            text += "SYSTEM ALERT (\(alert.priority.rawValue)) \(alert.id) since \(DisplayFormat.time(alert.raisedAt, now: now)): \(alert.reason)\n"
                + "  what to do: \(alert.guidance)\n"
        }
        var rows = [
            ("Socket", socketPath),
            ("Started", DisplayFormat.timestamp(health.startedAt)
                + " (up " + DisplayFormat.duration(seconds: health.uptimeSeconds) + ")"),
            ("Database", "\(health.database), schema \(health.schemaVersion)"),
        ]
        if let epoch = health.storeEpoch { rows.append(("Store epoch", epoch)) }
        if let replication = health.replication { rows.append(("Replication", Self.replication(replication, now: now))) }
        rows += [
            ("Rule set", health.ruleSetHash),
            ("Open sessions", String(health.openSessions)),
            ("Active alerts", String(health.activeAlerts)),
            ("Audit records", String(health.auditRecords)),
        ]
        return text + fields(rows)
    }

    /// `litestream: replicating, last sync 2s ago (alert above 15s, medium above 1m)`, or what went wrong.
    static func replication(_ replication: ReplicationHealth, now: Date) -> String {
        var text = "\(replication.replicator): \(replication.state.rawValue)"
        if let last = replication.lastSyncAt {
            text += ", last sync \(DisplayFormat.relative(last, now: now))"
        } else {
            text += ", no sync confirmed yet"
        }
        if let lag = replication.lagSeconds { text += ", lag \(DisplayFormat.number(lag, fractionDigits: 1)) s" }
        text += " (alert above \(DisplayFormat.number(replication.lagAlertSeconds, fractionDigits: 0)) s, medium above \(DisplayFormat.number(replication.lagMediumSeconds, fractionDigits: 0)) s)"
        if let problem = replication.problem { text += "; \(problem)" }
        return text
    }
}
