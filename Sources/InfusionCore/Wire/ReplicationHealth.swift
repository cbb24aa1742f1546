import Foundation

/// How the continuous replica of the database stands, as `GET /v1/health` reports it when a replicator is
/// configured (`replication:` in the daemon config).
public struct ReplicationHealth: Codable, Sendable, Hashable {
    /// What the daemon last learned from the replicator.
    public enum State: String, Codable, Sendable, CaseIterable {
        /// No answer yet since the daemon started.
        case starting
        /// The replicator reports the database and its last sync is within the lag bound.
        case replicating
        /// The replicator answers, but its last sync is older than the lag bound.
        case lagging
        /// The replicator's control socket does not answer (not running, wrong path, no permission).
        case unreachable
        /// The replicator answers but does not replicate this database (its config names another file).
        case notReplicating
    }

    /// The replicator named in the config (`litestream`).
    public var replicator: String
    public var state: State
    /// When the replicator last shipped the database to its replica, as it reported it.
    public var lastSyncAt: Date?
    /// Now minus `lastSyncAt`; while nothing was ever heard, the time since the daemon started watching.
    public var lagSeconds: Double?
    /// The lag above which the `replication.lag` system alert is raised at low priority.
    public var lagAlertSeconds: Double
    /// The lag above which that alert is medium priority.
    public var lagMediumSeconds: Double
    /// When the daemon last asked the replicator.
    public var checkedAt: Date?
    /// Why the last question failed, when it did.
    public var problem: String?

    public init(replicator: String, state: State, lastSyncAt: Date? = nil, lagSeconds: Double? = nil,
                lagAlertSeconds: Double, lagMediumSeconds: Double, checkedAt: Date? = nil, problem: String? = nil) {
        self.replicator = replicator
        self.state = state
        self.lastSyncAt = lastSyncAt
        self.lagSeconds = lagSeconds
        self.lagAlertSeconds = lagAlertSeconds
        self.lagMediumSeconds = lagMediumSeconds
        self.checkedAt = checkedAt
        self.problem = problem
    }
}

/// An alarm about the daemon itself rather than a patient (e.g. `replication.lag`): shown by `GET /v1/health`,
/// `infusionctl status` and `/metrics`, logged, and recorded in the audit trail when raised, escalated and resolved.
public struct SystemAlert: Codable, Sendable, Hashable, Identifiable {
    /// The condition, e.g. `replication.lag`; one alert per condition while it holds.
    public var id: String
    public var priority: AlertPriority
    public var raisedAt: Date
    /// When its priority last changed.
    public var updatedAt: Date
    /// What is wrong, in one sentence.
    public var reason: String
    /// What the operator should do.
    public var guidance: String

    public init(id: String, priority: AlertPriority, raisedAt: Date, updatedAt: Date, reason: String, guidance: String) {
        self.id = id
        self.priority = priority
        self.raisedAt = raisedAt
        self.updatedAt = updatedAt
        self.reason = reason
        self.guidance = guidance
    }
}
