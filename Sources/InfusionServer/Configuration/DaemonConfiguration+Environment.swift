/// `INFUSIOND_*` environment variables that override the paths in the config file, so a unit file, a container
/// or a test can move state without editing YAML.
extension DaemonConfiguration {
    /// Each variable and the setting it overrides, in the order they are applied.
    public static let environmentOverrides: [(variable: String, setting: String)] = [
        ("INFUSIOND_STATE_DIRECTORY", "stateDirectory"),
        ("INFUSIOND_SOCKET", "socketPath"),
        ("INFUSIOND_DATABASE", "databasePath"),
        ("INFUSIOND_PROFILES_DIRECTORY", "profilesDirectory"),
        ("INFUSIOND_AUDIT_SIGNING_KEY", "audit.signingKeyPath"),
    ]

    /// This configuration with every non-empty `INFUSIOND_*` path variable applied.
    public func overridden(by environment: [String: String]) -> DaemonConfiguration {
        var configuration = self
        func value(_ name: String) -> String? {
            guard let text = environment[name], !text.isEmpty else { return nil }
            return text
        }
        if let path = value("INFUSIOND_STATE_DIRECTORY") { configuration.stateDirectory = path }
        if let path = value("INFUSIOND_SOCKET") { configuration.socketPath = path }
        if let path = value("INFUSIOND_DATABASE") { configuration.databasePath = path }
        if let path = value("INFUSIOND_PROFILES_DIRECTORY") { configuration.profilesDirectory = path }
        if let path = value("INFUSIOND_AUDIT_SIGNING_KEY") {
            var audit = configuration.audit ?? AuditTrailConfiguration()
            audit.signingKeyPath = path
            configuration.audit = audit
        }
        return configuration
    }

    /// The override variables that are set, for the start-up audit record and log.
    public static func activeOverrides(in environment: [String: String]) -> [String] {
        environmentOverrides.map(\.variable).filter { !(environment[$0] ?? "").isEmpty }
    }
}
