import Foundation
import InfusionCore
import InfusionServer
import Testing

/// docs/CONFIG.md and config/infusiond.yaml stay true: every setting documented, the examples load, the
/// environment overrides and the audited summary behave as documented.
@Suite("Configuration: documentation, examples, environment overrides, audit summary")
struct ConfigDocumentationTests {
    static let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent()

    static func read(_ path: String) throws -> String {
        try String(contentsOf: root.appendingPathComponent(path), encoding: .utf8)
    }

    /// The stored properties of a value, which are its YAML keys.
    static func keys(of value: Any) -> [String] {
        Mirror(reflecting: value).children.compactMap(\.label)
    }

    /// Every setting the daemon knows, as dotted paths.
    static var allSettings: [String] {
        let sections: [String: Any] = [
            "access": AccessConfiguration(), "connections": ConnectionLimits(), "hooks": HookConfiguration(),
            "alertStream": AlertStreamConfiguration(), "timers": TimerConfiguration(), "audit": AuditTrailConfiguration(),
            "replication": ReplicatorConfiguration(), "database": DatabaseConfiguration(), "web": WebConfiguration(),
            "hl7": HL7Configuration(),
        ]
        return keys(of: DaemonConfiguration()).flatMap { key in
            sections[key].map { keys(of: $0).map { "\(key).\($0)" } } ?? [key]
        }
    }

    @Test("docs/CONFIG.md has a table row for every setting, and every section is known to this test")
    func everySettingDocumented() throws {
        let document = try Self.read("docs/CONFIG.md")
        let missing = Self.allSettings.filter { !document.contains("| `\($0)` |") }
        #expect(missing.isEmpty, "settings missing from docs/CONFIG.md: \(missing)")
        // A new optional section shows up here as a bare key; add its type to `sections` above.
        #expect(Self.allSettings.count >= 20)
    }

    @Test("the complete file in docs/CONFIG.md and config/infusiond.yaml both load")
    func examplesLoad() throws {
        let document = try Self.read("docs/CONFIG.md")
        let block = try #require(document.components(separatedBy: "```yaml\n").last?.components(separatedBy: "```").first)
        let complete = try DaemonConfiguration.parse(block, file: "docs/CONFIG.md")
        #expect(complete.resolvedAccess == AccessConfiguration(groups: AccessConfiguration.defaultGroups, users: ["pumpgw": [.station]]))
        #expect(complete.socketGroup == "infusiond-clients")
        #expect(complete.database?.resolvedIntegrityCheckInterval == .seconds(86_400))
        let example = try DaemonConfiguration.parse(try Self.read("config/infusiond.yaml"), file: "config/infusiond.yaml")
        #expect(example.resolvedSocketPath == "/run/infusiond/infusiond.sock")
        #expect(example.resolvedDatabasePath == "/var/lib/infusiond/infusion.sqlite")
        #expect(example.socketGroup == "infusiond-clients")
        #expect(example.resolvedAccess.groups == AccessConfiguration.defaultGroups)
        #expect(example.database?.resolvedIntegrityCheckInterval == .seconds(86_400))
    }

    @Test("INFUSIOND_* variables override the paths; empty values are ignored", arguments: [
        ("INFUSIOND_STATE_DIRECTORY", "/srv/state"),
        ("INFUSIOND_SOCKET", "/srv/s.sock"),
        ("INFUSIOND_DATABASE", "/srv/db.sqlite"),
        ("INFUSIOND_PROFILES_DIRECTORY", "/srv/profiles"),
        ("INFUSIOND_AUDIT_SIGNING_KEY", "/srv/key"),
    ])
    func environmentOverride(variable: String, value: String) throws {
        let base = try DaemonConfiguration.parse("stateDirectory: /var/lib/infusiond\nsocketPath: /run/i.sock\n", file: "t.yaml")
        let overridden = base.overridden(by: [variable: value])
        let empty = base.overridden(by: [variable: ""])
        #expect(empty == base)
        switch variable {
        case "INFUSIOND_STATE_DIRECTORY":
            #expect(overridden.stateDirectory == value)
            #expect(overridden.resolvedDatabasePath == "/srv/state/infusion.sqlite")
        case "INFUSIOND_SOCKET": #expect(overridden.resolvedSocketPath == value)
        case "INFUSIOND_DATABASE": #expect(overridden.resolvedDatabasePath == value)
        case "INFUSIOND_PROFILES_DIRECTORY": #expect(overridden.profilesDirectory == value)
        default: #expect(overridden.resolvedAuditSigningKeyPath == value)
        }
        #expect(DaemonConfiguration.activeOverrides(in: [variable: value, "PATH": "/bin"]) == [variable])
        // Every variable is documented.
        #expect(try Self.read("docs/CONFIG.md").contains("| `\(variable)` |"))
    }

    @Test("load applies the overrides to a file and to the built-in defaults")
    func loadApplies() throws {
        let path = NSTemporaryDirectory() + "infusiond-\(UUID().uuidString.prefix(6)).yaml"
        defer { try? FileManager.default.removeItem(atPath: path) }
        try "stateDirectory: /tmp/a\n".write(toFile: path, atomically: true, encoding: .utf8)
        let (fromFile, _) = try DaemonConfiguration.load(explicitPath: path, environment: ["INFUSIOND_SOCKET": "/tmp/b.sock"])
        #expect(fromFile.resolvedSocketPath == "/tmp/b.sock" && fromFile.stateDirectory == "/tmp/a")
    }

    @Test("the audited summary has every setting in force with defaults filled in")
    func auditSummary() throws {
        let configuration = try DaemonConfiguration.parse("stateDirectory: /var/lib/infusiond\n", file: "t.yaml")
        guard case .object(let summary) = configuration.auditSummary else {
            Issue.record("the summary is not an object")
            return
        }
        #expect(summary["stateDirectory"] == "/var/lib/infusiond")
        #expect(summary["socketPath"] == "/var/lib/infusiond/infusiond.sock")
        #expect(summary["databasePath"] == "/var/lib/infusiond/infusion.sqlite")
        #expect(summary["socketMode"] == "0660")
        #expect(summary["logLevel"] == "info")
        #expect(summary["maxBodyBytes"] == 65536)
        guard case .object(let access)? = summary["access"], case .object(let groups)? = access["groups"] else {
            Issue.record("the summary has no access groups")
            return
        }
        #expect(groups["infusiond-station"] == ["station"])
    }
}
