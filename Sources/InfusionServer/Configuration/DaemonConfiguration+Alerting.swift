import Foundation
import Yams

extension DaemonConfiguration {
    /// Checks the `hooks`, `alertStream` and `timers` sections: no unknown keys (with their line) and sound values.
    static func checkAlerting(_ configuration: DaemonConfiguration, mapping: Node.Mapping, file: String) throws {
        let sections: [(String, (any Encodable)?, (key: String, message: String)?)] = [
            ("hooks", configuration.hooks, configuration.hooks?.problem),
            ("alertStream", configuration.alertStream, configuration.alertStream?.problem),
            ("timers", configuration.timers, configuration.timers?.problem),
        ]
        for (name, value, problem) in sections {
            guard let node = mapping[name], let value else { continue }
            let reencoded = try? Yams.compose(yaml: try YAMLEncoder().encode(value))
            if let unknown = YAMLKeyCheck.firstUnknownKey(node, used: reencoded, path: [.key(name)]) {
                throw ConfigurationError(file: file, line: unknown.line, message: unknown.message)
            }
            if let problem {
                throw ConfigurationError(file: file, line: node.mapping?[problem.key]?.mark?.line ?? node.mark?.line, message: problem.message)
            }
        }
    }
}
