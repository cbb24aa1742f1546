import Foundation
import InfusionCore
import Yams

/// The daemon's settings, from YAML (`--config`, `INFUSIOND_CONFIG`, `/etc/infusiond/infusiond.yaml`) or built-in
/// defaults that keep all state under `./.infusiond/` so a fresh clone runs without root.
public struct DaemonConfiguration: Codable, Sendable, Hashable {
    /// Folder for the database and keys; created mode 0750 if missing.
    public var stateDirectory: String
    /// The Unix socket; defaults to `<stateDirectory>/infusiond.sock`.
    public var socketPath: String?
    /// The socket's permission bits, octal (default `0660`).
    public var socketMode: String?
    /// The group the socket is given, so station and clinician accounts in it can connect.
    public var socketGroup: String?
    /// The SQLite file; defaults to `<stateDirectory>/infusion.sqlite`.
    public var databasePath: String?
    /// A folder of `*.yaml` drug profiles; when absent the profiles built into the binary are used.
    public var profilesDirectory: String?
    /// `trace`, `debug`, `info`, `notice`, `warning`, `error` or `critical`.
    public var logLevel: String?
    /// The largest request body accepted, in bytes (default 65536).
    public var maxBodyBytes: Int?
    /// Which Unix groups and accounts get which roles; the package's four role groups when absent.
    public var access: AccessConfiguration?
    /// Connection limits that keep idle, abandoned and slow clients from starving the others.
    public var connections: ConnectionLimits?
    /// Commands told about alert changes and stops.
    public var hooks: HookConfiguration?
    /// The live alert stream's heartbeat.
    public var alertStream: AlertStreamConfiguration?
    /// How often the schedule and escalation timers look.
    public var timers: TimerConfiguration?
    /// Signed audit checkpoints and heartbeat records: intervals and the signing key.
    public var audit: AuditTrailConfiguration?
    /// A continuous replicator (Litestream) beside the daemon: stop without checkpointing, watch the replica's lag.
    public var replication: ReplicatorConfiguration?
    /// The background integrity check of the live database.
    public var database: DatabaseConfiguration?
    /// The web socket behind a reverse proxy (browser pages and the API); none is served when absent.
    public var web: WebConfiguration?
    /// The MLLP listener for monitors and integration engines (docs/HL7.md); nothing listens when absent.
    public var hl7: HL7Configuration?

    public init(
        stateDirectory: String = "./.infusiond", socketPath: String? = nil, socketMode: String? = nil,
        socketGroup: String? = nil, databasePath: String? = nil, profilesDirectory: String? = nil,
        logLevel: String? = nil, maxBodyBytes: Int? = nil, access: AccessConfiguration? = nil
    ) {
        self.stateDirectory = stateDirectory
        self.socketPath = socketPath
        self.socketMode = socketMode
        self.socketGroup = socketGroup
        self.databasePath = databasePath
        self.profilesDirectory = profilesDirectory
        self.logLevel = logLevel
        self.maxBodyBytes = maxBodyBytes
        self.access = access
    }

    /// The socket path in force.
    public var resolvedSocketPath: String { socketPath ?? "\(stateDirectory)/infusiond.sock" }
    /// The database path in force.
    public var resolvedDatabasePath: String { databasePath ?? "\(stateDirectory)/infusion.sqlite" }
    /// The socket mode in force.
    public var resolvedSocketMode: mode_t {
        socketMode.flatMap { mode_t($0, radix: 8) } ?? 0o660
    }
    /// The body limit in force.
    public var resolvedMaxBodyBytes: Int { maxBodyBytes ?? 64 * 1024 }
    /// The access mapping in force.
    public var resolvedAccess: AccessConfiguration { access ?? AccessConfiguration() }

    /// The installed system-wide config file, used when it exists and nothing else was named.
    public static let systemPath = "/etc/infusiond/infusiond.yaml"

    /// Finds and loads the configuration: an explicit path, then `INFUSIOND_CONFIG`, then the system file if it
    /// exists, else the built-in defaults. Returns the file it came from, if any.
    public static func load(explicitPath: String?, environment: [String: String]) throws -> (DaemonConfiguration, String?) {
        let path = explicitPath ?? environment["INFUSIOND_CONFIG"]
            ?? (FileManager.default.fileExists(atPath: systemPath) ? systemPath : nil)
        guard let path else { return (DaemonConfiguration().overridden(by: environment), nil) }
        guard let text = try? String(contentsOfFile: path, encoding: .utf8) else {
            throw ConfigurationError(file: path, line: nil, message: "cannot read the file; check the path and its permissions")
        }
        return (try parse(text, file: path).overridden(by: environment), path)
    }

    /// Parses YAML text; unknown keys and bad values are errors with file and line.
    public static func parse(_ text: String, file: String) throws -> DaemonConfiguration {
        let node: Node?
        do {
            node = try Yams.compose(yaml: text)
        } catch {
            throw ConfigurationError(file: file, line: nil, message: "not valid YAML: \(error)")
        }
        guard let mapping = node?.mapping else {
            if node == nil { return DaemonConfiguration() }
            throw ConfigurationError(file: file, line: node?.mark?.line, message: "the top level must be a mapping of settings")
        }
        let known = Set(CodingKeys.allNames)
        for (key, _) in mapping {
            guard let name = key.string, known.contains(name) else {
                throw ConfigurationError(file: file, line: key.mark?.line,
                                         message: "unknown setting '\(key.string ?? "?")'; known settings: \(CodingKeys.allNames.joined(separator: ", "))")
            }
        }
        if let access = mapping["access"] {
            try AccessConfiguration.validate(access, file: file)
        }
        if let web = mapping["web"] {
            try WebConfiguration.validate(web, file: file)
        }
        if let hl7 = mapping["hl7"] {
            try HL7Configuration.validate(hl7, file: file)
        }
        let configuration: DaemonConfiguration
        do {
            configuration = try YAMLDecoder().decode(DaemonConfiguration.self, from: text)
        } catch {
            throw ConfigurationError(file: file, line: nil, message: "bad value: \(error)")
        }
        if let mode = configuration.socketMode, mode_t(mode, radix: 8) == nil {
            throw ConfigurationError(file: file, line: mapping["socketMode"]?.mark?.line,
                                     message: "socketMode '\(mode)' is not an octal mode such as 0660")
        }
        if let mode = configuration.socketMode.flatMap({ mode_t($0, radix: 8) }) {
            if mode & ~0o777 != 0 {
                throw ConfigurationError(file: file, line: mapping["socketMode"]?.mark?.line,
                                         message: "socketMode '\(configuration.socketMode!)' has bits beyond permissions (setuid, setgid or sticky); use 0660")
            }
            if mode & 0o007 != 0 {
                throw ConfigurationError(file: file, line: mapping["socketMode"]?.mark?.line,
                                         message: "socketMode '\(configuration.socketMode!)' lets every account on the host connect; use 0660 and put the accounts that may connect in socketGroup")
            }
        }
        if let connections = mapping["connections"], let section = configuration.connections {
            let reencoded = try? Yams.compose(yaml: try YAMLEncoder().encode(section))
            if let unknown = YAMLKeyCheck.firstUnknownKey(connections, used: reencoded, path: [.key("connections")]) {
                throw ConfigurationError(file: file, line: unknown.line, message: unknown.message)
            }
        }
        if let level = configuration.logLevel, !["trace", "debug", "info", "notice", "warning", "error", "critical"].contains(level) {
            throw ConfigurationError(file: file, line: mapping["logLevel"]?.mark?.line, message: "logLevel '\(level)' is not a log level")
        }
        try checkAlerting(configuration, mapping: mapping, file: file)
        try checkAuditTrail(configuration, mapping: mapping, file: file)
        try checkReplication(configuration, mapping: mapping, file: file)
        try checkDatabase(configuration, mapping: mapping, file: file)
        try checkWeb(configuration, mapping: mapping, file: file)
        try checkHL7(configuration, mapping: mapping, file: file)
        if let maxBody = configuration.maxBodyBytes, !(1024...(16 * 1024 * 1024)).contains(maxBody) {
            throw ConfigurationError(file: file, line: mapping["maxBodyBytes"]?.mark?.line, message: "maxBodyBytes must be 1024…16777216")
        }
        return configuration
    }

    enum CodingKeys: String, CodingKey, CaseIterable {
        case stateDirectory, socketPath, socketMode, socketGroup, databasePath, profilesDirectory, logLevel, maxBodyBytes
        case access
        case connections
        case hooks, alertStream, timers
        case audit
        case replication
        case database
        case web
        case hl7
        static var allNames: [String] { allCases.map(\.rawValue) }
    }

    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        self.init(
            stateDirectory: try container.decodeIfPresent(String.self, forKey: .stateDirectory) ?? "./.infusiond",
            socketPath: try container.decodeIfPresent(String.self, forKey: .socketPath),
            socketMode: try container.decodeIfPresent(String.self, forKey: .socketMode),
            socketGroup: try container.decodeIfPresent(String.self, forKey: .socketGroup),
            databasePath: try container.decodeIfPresent(String.self, forKey: .databasePath),
            profilesDirectory: try container.decodeIfPresent(String.self, forKey: .profilesDirectory),
            logLevel: try container.decodeIfPresent(String.self, forKey: .logLevel),
            maxBodyBytes: try container.decodeIfPresent(Int.self, forKey: .maxBodyBytes),
            access: try container.decodeIfPresent(AccessConfiguration.self, forKey: .access))
        self.connections = try container.decodeIfPresent(ConnectionLimits.self, forKey: .connections)
        self.hooks = try container.decodeIfPresent(HookConfiguration.self, forKey: .hooks)
        self.alertStream = try container.decodeIfPresent(AlertStreamConfiguration.self, forKey: .alertStream)
        self.timers = try container.decodeIfPresent(TimerConfiguration.self, forKey: .timers)
        self.audit = try container.decodeIfPresent(AuditTrailConfiguration.self, forKey: .audit)
        self.replication = try container.decodeIfPresent(ReplicatorConfiguration.self, forKey: .replication)
        self.database = try container.decodeIfPresent(DatabaseConfiguration.self, forKey: .database)
        self.web = try container.decodeIfPresent(WebConfiguration.self, forKey: .web)
        self.hl7 = try container.decodeIfPresent(HL7Configuration.self, forKey: .hl7)
    }
}

/// A configuration or profile file that cannot be used, with where and why.
public struct ConfigurationError: Error, CustomStringConvertible, Sendable {
    public var file: String
    /// 1-based line, when known.
    public var line: Int?
    public var message: String

    public init(file: String, line: Int?, message: String) {
        self.file = file
        self.line = line
        self.message = message
    }

    public var description: String {
        "\(file)\(line.map { ":\($0)" } ?? ""): \(message)"
    }
}
