import Foundation
import Yams

/// `audit:` in the daemon config: the audit trail's signed checkpoints and heartbeat records (SPEC §6).
public struct AuditTrailConfiguration: Codable, Sendable, Hashable {
    /// Seconds between checkpoints (default 300); a checkpoint is made only when records were added since the
    /// last one. Checkpoints are also made at start, at shutdown and for every export.
    public var checkpointIntervalSeconds: Double?
    /// Seconds between `daemon.heartbeat` records (default 300), so silence can be told apart from deletion.
    public var heartbeatIntervalSeconds: Double?
    /// The Ed25519 checkpoint signing key; default `<stateDirectory>/audit-signing.key`, created mode 0600 on
    /// first start. Auditors hold its public key (`infusionctl audit pubkey`): never replace it silently.
    public var signingKeyPath: String?

    public init(checkpointIntervalSeconds: Double? = nil, heartbeatIntervalSeconds: Double? = nil, signingKeyPath: String? = nil) {
        self.checkpointIntervalSeconds = checkpointIntervalSeconds
        self.heartbeatIntervalSeconds = heartbeatIntervalSeconds
        self.signingKeyPath = signingKeyPath
    }

    /// The checkpoint interval in force.
    public var resolvedCheckpointInterval: Duration { .milliseconds(Int64((checkpointIntervalSeconds ?? 300) * 1000)) }
    /// The heartbeat interval in force.
    public var resolvedHeartbeatInterval: Duration { .milliseconds(Int64((heartbeatIntervalSeconds ?? 300) * 1000)) }

    /// Why the section cannot be used, or nil.
    var problem: (key: String, message: String)? {
        for (key, value) in [("checkpointIntervalSeconds", checkpointIntervalSeconds), ("heartbeatIntervalSeconds", heartbeatIntervalSeconds)] {
            if let value, !(value >= 0.1 && value <= 86_400) {
                return (key, "audit.\(key) must be 0.1…86400 seconds (default 300)")
            }
        }
        if let signingKeyPath, signingKeyPath.isEmpty {
            return ("signingKeyPath", "audit.signingKeyPath must name a file, or be left out for <stateDirectory>/audit-signing.key")
        }
        return nil
    }
}

extension DaemonConfiguration {
    /// The checkpoint signing key's path in force.
    public var resolvedAuditSigningKeyPath: String {
        audit?.signingKeyPath ?? "\(stateDirectory)/audit-signing.key"
    }

    /// Checks the `audit` section: no unknown keys (with their line) and sound values.
    static func checkAuditTrail(_ configuration: DaemonConfiguration, mapping: Node.Mapping, file: String) throws {
        guard let node = mapping["audit"], let section = configuration.audit else { return }
        let reencoded = try? Yams.compose(yaml: try YAMLEncoder().encode(section))
        if let unknown = YAMLKeyCheck.firstUnknownKey(node, used: reencoded, path: [.key("audit")]) {
            throw ConfigurationError(file: file, line: unknown.line, message: unknown.message)
        }
        if let problem = section.problem {
            throw ConfigurationError(file: file, line: node.mapping?[problem.key]?.mark?.line ?? node.mark?.line, message: problem.message)
        }
    }
}
