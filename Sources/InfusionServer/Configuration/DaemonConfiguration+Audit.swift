import Foundation
import InfusionCore

/// The configuration as it goes into the `daemon.start` audit record: every setting in force, secrets removed.
extension DaemonConfiguration {
    /// Settings whose values are never written to the audit trail or the log (only that they are set).
    public static let secretSettings: Set<String> = []

    /// Every setting with its value in force (defaults filled in), secrets replaced by `"(set)"`.
    public var auditSummary: JSONValue {
        var resolved = self
        resolved.socketPath = resolvedSocketPath
        resolved.databasePath = resolvedDatabasePath
        resolved.socketMode = "0" + String(resolvedSocketMode, radix: 8)
        resolved.maxBodyBytes = resolvedMaxBodyBytes
        resolved.logLevel = logLevel ?? "info"
        resolved.access = resolvedAccess
        guard let data = try? WireJSON.encode(resolved),
              case .object(var settings) = try? WireJSON.decoder().decode(JSONValue.self, from: data) else {
            return .null
        }
        for key in Self.secretSettings where settings[key] != nil && settings[key] != .null {
            settings[key] = .string("(set)")
        }
        return .object(settings)
    }
}
