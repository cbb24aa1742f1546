import Foundation
import GRDB
import InfusionCore

/// Totals for the Prometheus endpoint, read from the database itself so that every path that writes (requests,
/// timers, replays after a restart) is counted and the figures survive restarts.
public struct StoreMetricCounts: Sendable, Hashable {
    /// Observation events stored.
    public var observations: Int64 = 0
    /// Rule decisions by (rule id, action).
    public var decisions: [DecisionKey: Int64] = [:]
    /// Alerts ever raised, by their current priority.
    public var alertsRaised: [String: Int64] = [:]
    /// Unresolved alerts by (state, priority): `active` (unacknowledged) and `acknowledged`.
    public var openAlerts: [AlertKey: Int64] = [:]
    /// Sessions not yet closed.
    public var openSessions: Int64 = 0
    /// The last audit record's seq.
    public var auditRecords: Int64 = 0

    public init() {}

    /// A decision's rule and action.
    public struct DecisionKey: Sendable, Hashable {
        public var rule: String
        public var action: String

        public init(rule: String, action: String) {
            self.rule = rule
            self.action = action
        }
    }

    /// An alert's state and priority.
    public struct AlertKey: Sendable, Hashable {
        public var state: String
        public var priority: String

        public init(state: String, priority: String) {
            self.state = state
            self.priority = priority
        }
    }
}

extension ClinicalStore {
    /// Counts for `/metrics`, in one read transaction (a consistent snapshot that never waits for the writer).
    public func metricCounts() async throws -> StoreMetricCounts {
        try await writer.read { db in
            var counts = StoreMetricCounts()
            counts.observations = try Int64.fetchOne(db, sql: "SELECT COUNT(*) FROM events WHERE kind = 'observation'") ?? 0
            for row in try Row.fetchAll(db, sql: "SELECT rule_id, action, COUNT(*) AS n FROM decisions GROUP BY rule_id, action") {
                counts.decisions[.init(rule: row["rule_id"], action: row["action"])] = row["n"]
            }
            for row in try Row.fetchAll(db, sql: "SELECT priority, COUNT(*) AS n FROM alerts GROUP BY priority") {
                counts.alertsRaised[row["priority"]] = row["n"]
            }
            for row in try Row.fetchAll(db, sql: "SELECT state, priority, COUNT(*) AS n FROM alerts WHERE \(OpenStateFilters.alerts) GROUP BY state, priority") {
                counts.openAlerts[.init(state: row["state"], priority: row["priority"])] = row["n"]
            }
            counts.openSessions = try Int64.fetchOne(db, sql: "SELECT COUNT(*) FROM sessions WHERE \(OpenStateFilters.sessions)") ?? 0
            counts.auditRecords = try AuditLog.count(db)
            return counts
        }
    }
}
