import Foundation
import InfusionCore

/// When the replica's lag becomes the `replication.lag` system alert: pure, so every bound is tested exactly.
public enum ReplicationLagPolicy {
    /// The alert's id in health, the audit trail and `/metrics`.
    public static let alertId = "replication.lag"

    /// The priority a lag calls for: none up to `alertSeconds`, low above it, medium above `mediumSeconds`.
    public static func priority(lagSeconds: Double, alertSeconds: Double, mediumSeconds: Double) -> AlertPriority? {
        if lagSeconds > mediumSeconds { return .medium }
        if lagSeconds > alertSeconds { return .low }
        return nil
    }

    /// What happens to the alert when a check assesses `assessed`.
    public enum Change: String, Sendable, Hashable {
        case raised, escalated, resolved
    }

    /// The alert after a check, and the change to record (nil when nothing changed).
    ///
    /// While the condition holds the priority only rises (a replica that catches up a little is still behind, and an
    /// alert that flaps between priorities is noise); it resolves once the lag is back within the low bound.
    public static func next(current: AlertPriority?, assessed: AlertPriority?) -> (priority: AlertPriority?, change: Change?) {
        switch (current, assessed) {
        case (nil, nil): return (nil, nil)
        case (nil, let new?): return (new, .raised)
        case (.some, nil): return (nil, .resolved)
        case (let old?, let new?): return new > old ? (new, .escalated) : (old, nil)
        }
    }

    /// The alert's sentence for the operator.
    static func reason(state: ReplicationHealth.State, lagSeconds: Double, lastSyncAt: Date?, problem: String?) -> String {
        let lag = "\(Int(lagSeconds.rounded())) s"
        let since = lastSyncAt.map { "the replica last confirmed a sync at \(WireJSON.formatTimestamp($0)) (\(lag) ago)" }
            ?? "no sync has been confirmed for \(lag) since the daemon started watching"
        switch state {
        case .unreachable:
            return "The replicator does not answer (\(problem ?? "no answer")); \(since): commits since then exist only on this host."
        case .notReplicating:
            return "The replicator answers but does not replicate this database; \(since): commits since then exist only on this host."
        case .starting, .replicating, .lagging:
            return "The replica is behind: \(since); commits since then exist only on this host."
        }
    }

    /// What the operator should do about it.
    static let guidance = "Check the replicator (systemctl status infusiond-litestream; journalctl -u infusiond-litestream) and the replica's storage (network, credentials, space). Until the replica catches up, a lost host loses the commits since its last sync (docs/RECOVERY.md)."
}
