import Foundation
import Yams

/// `replication:` in the daemon config: a continuous replicator (Litestream) runs beside the daemon.
///
/// Its presence changes how the daemon stops: it no longer truncates the write-ahead log (Litestream holds a read
/// transaction, so that checkpoint would wait for the busy timeout and fail on every stop, and a checkpoint by
/// another process can make Litestream miss frames); it asks the replicator to ship everything committed and waits
/// for the replica instead. While running, the daemon asks the replicator's control socket how long ago it last
/// synced, shows that lag in health, `infusionctl status` and `/metrics`, and raises the `replication.lag` system
/// alert, low then medium, when the replica falls behind or the replicator falls silent.
public struct ReplicatorConfiguration: Codable, Sendable, Hashable {
    /// The replicator; only `litestream` is known.
    public var replicator: String?
    /// Litestream's control socket (`socket.path` in its config); default `/run/infusiond-litestream/litestream.sock`,
    /// where the shipped `systemd/infusiond-litestream.service` and `config/litestream.yml` put it.
    public var controlSocket: String?
    /// The lag above which the `replication.lag` system alert is raised, low priority (default 15 s).
    public var lagAlertSeconds: Double?
    /// The lag above which it is medium priority (default 60 s).
    public var lagMediumSeconds: Double?
    /// How often the daemon asks the replicator (default 5 s).
    public var checkIntervalSeconds: Double?
    /// How long a graceful stop waits for the replica to confirm the last commits (default 10 s, well within the
    /// unit's `TimeoutStopSec=30s`).
    public var stopSyncTimeoutSeconds: Double?

    public init(replicator: String? = nil, controlSocket: String? = nil, lagAlertSeconds: Double? = nil,
                lagMediumSeconds: Double? = nil, checkIntervalSeconds: Double? = nil, stopSyncTimeoutSeconds: Double? = nil) {
        self.replicator = replicator
        self.controlSocket = controlSocket
        self.lagAlertSeconds = lagAlertSeconds
        self.lagMediumSeconds = lagMediumSeconds
        self.checkIntervalSeconds = checkIntervalSeconds
        self.stopSyncTimeoutSeconds = stopSyncTimeoutSeconds
    }

    /// The replicators the daemon knows how to work with.
    public static let knownReplicators = ["litestream"]
    /// The control socket the shipped unit and Litestream config use.
    public static let defaultControlSocket = "/run/infusiond-litestream/litestream.sock"

    /// The replicator in force.
    public var resolvedReplicator: String { replicator ?? "litestream" }
    /// The control socket in force.
    public var resolvedControlSocket: String { controlSocket ?? Self.defaultControlSocket }
    /// The low-priority lag bound in force, in seconds.
    public var resolvedLagAlertSeconds: Double { lagAlertSeconds ?? 15 }
    /// The medium-priority lag bound in force, in seconds.
    public var resolvedLagMediumSeconds: Double { lagMediumSeconds ?? 60 }
    /// The interval between questions to the replicator.
    public var resolvedCheckInterval: Duration { .milliseconds(Int64((checkIntervalSeconds ?? 5) * 1000)) }
    /// How long a stop waits for the replica.
    public var resolvedStopSyncTimeout: Duration { .milliseconds(Int64((stopSyncTimeoutSeconds ?? 10) * 1000)) }

    /// Why the section cannot be used, or nil.
    var problem: (key: String, message: String)? {
        if let replicator, !Self.knownReplicators.contains(replicator) {
            return ("replicator", "replication.replicator '\(replicator)' is not known; the daemon works with: \(Self.knownReplicators.joined(separator: ", "))")
        }
        if let controlSocket {
            guard controlSocket.hasPrefix("/") else {
                return ("controlSocket", "replication.controlSocket must be an absolute path (Litestream's socket.path)")
            }
            guard controlSocket.utf8.count < 108 else {
                return ("controlSocket", "replication.controlSocket is \(controlSocket.utf8.count) bytes long; a Unix socket path must be under 108")
            }
        }
        for (key, value, range) in [("lagAlertSeconds", lagAlertSeconds, 1.0...86_400), ("lagMediumSeconds", lagMediumSeconds, 1.0...86_400),
                                    ("checkIntervalSeconds", checkIntervalSeconds, 0.1...600), ("stopSyncTimeoutSeconds", stopSyncTimeoutSeconds, 0.1...600)] {
            if let value, !range.contains(value) {
                return (key, "replication.\(key) must be \(range.lowerBound.formatted())…\(range.upperBound.formatted()) seconds")
            }
        }
        if resolvedLagMediumSeconds < resolvedLagAlertSeconds {
            return ("lagMediumSeconds", "replication.lagMediumSeconds (\(resolvedLagMediumSeconds.formatted()) s) must be at least lagAlertSeconds (\(resolvedLagAlertSeconds.formatted()) s): the alert goes low, then medium")
        }
        return nil
    }
}

extension DaemonConfiguration {
    /// Checks the `replication` section: no unknown keys (with their line) and sound values.
    static func checkReplication(_ configuration: DaemonConfiguration, mapping: Node.Mapping, file: String) throws {
        guard let node = mapping["replication"], let section = configuration.replication else { return }
        let reencoded = try? Yams.compose(yaml: try YAMLEncoder().encode(section))
        if let unknown = YAMLKeyCheck.firstUnknownKey(node, used: reencoded, path: [.key("replication")]) {
            throw ConfigurationError(file: file, line: unknown.line, message: unknown.message)
        }
        if let problem = section.problem {
            throw ConfigurationError(file: file, line: node.mapping?[problem.key]?.mark?.line ?? node.mark?.line, message: problem.message)
        }
    }
}
