import Foundation
import Yams

/// `database:` in the daemon config: the background integrity check of the live database.
public struct DatabaseConfiguration: Codable, Sendable, Hashable {
    /// Seconds between two background `PRAGMA quick_check` runs (default 86400, a day); the first runs right after
    /// the daemon starts serving.
    public var integrityCheckIntervalSeconds: Double?

    public init(integrityCheckIntervalSeconds: Double? = nil) {
        self.integrityCheckIntervalSeconds = integrityCheckIntervalSeconds
    }

    /// The default interval: a day.
    public static let defaultIntegrityCheckIntervalSeconds: Double = 86_400
    /// The accepted intervals: a second (for trials) to a week.
    static let integrityCheckIntervalRange: ClosedRange<Double> = 1...604_800

    /// The interval in force.
    public var resolvedIntegrityCheckInterval: Duration {
        .milliseconds(Int64((integrityCheckIntervalSeconds ?? Self.defaultIntegrityCheckIntervalSeconds) * 1000))
    }

    /// Why the section cannot be used, or nil.
    var problem: (key: String, message: String)? {
        if let value = integrityCheckIntervalSeconds, !Self.integrityCheckIntervalRange.contains(value) {
            return ("integrityCheckIntervalSeconds", "database.integrityCheckIntervalSeconds must be 1…604800 seconds (default 86400, a day)")
        }
        return nil
    }
}

extension DaemonConfiguration {
    /// Checks the `database` section: no unknown keys (with their line) and sound values.
    static func checkDatabase(_ configuration: DaemonConfiguration, mapping: Node.Mapping, file: String) throws {
        guard let node = mapping["database"], let section = configuration.database else { return }
        let reencoded = try? Yams.compose(yaml: try YAMLEncoder().encode(section))
        if let unknown = YAMLKeyCheck.firstUnknownKey(node, used: reencoded, path: [.key("database")]) {
            throw ConfigurationError(file: file, line: unknown.line, message: unknown.message)
        }
        if let problem = section.problem {
            throw ConfigurationError(file: file, line: node.mapping?[problem.key]?.mark?.line ?? node.mark?.line, message: problem.message)
        }
    }
}
