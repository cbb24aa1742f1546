import Foundation
import InfusionCore
import InfusionServer
import Testing

/// Issue 12 item 10: the `web.*` settings by their documented names, checked like every other section (unknown
/// keys and bad values stop the daemon and `check-config` with the line and what to write instead).
@Suite("Web socket: configuration")
struct WebConfigurationTests {
    static let complete = """
        web:
          socketPath: /run/infusiond/web.sock
          socketGroup: infusiond-web
          proxy:
            account: www-data
            userHeader: X-Auth-User
            groupsHeader: X-Auth-Groups
          roles:
            ward7-nurses: station
            pain-team: [clinician, auditor]
          publicOrigin: https://infusion.ward7.example
          patientDisplay: bedAndInitials
        """

    @Test("every web setting is read under its documented name")
    func complete() throws {
        let configuration = try DaemonConfiguration.parse(Self.complete, file: "t.yaml")
        let web = try #require(configuration.web)
        #expect(configuration.resolvedWebSocketPath == "/run/infusiond/web.sock")
        #expect(web.socketGroup == "infusiond-web")
        #expect(web.proxy == WebProxyConfiguration(account: "www-data", userHeader: "X-Auth-User", groupsHeader: "X-Auth-Groups"))
        #expect(web.roles == ["ward7-nurses": [.station], "pain-team": [.clinician, .auditor]])
        #expect(web.publicOrigin == "https://infusion.ward7.example")
        #expect(web.resolvedPatientDisplay == .bedAndInitials)
    }

    @Test("defaults: the socket in the state folder, X-Remote-User and X-Remote-Groups, full patient ids; no web section, no web socket")
    func defaults() throws {
        #expect(DaemonConfiguration().resolvedWebSocketPath == nil)
        #expect(try DaemonConfiguration.parse("logLevel: info\n", file: "t.yaml").web == nil)
        let configuration = try DaemonConfiguration.parse("web:\n  proxy:\n    account: 33\n", file: "t.yaml")
        let web = try #require(configuration.web)
        #expect(configuration.resolvedWebSocketPath == "./.infusiond/web.sock")
        #expect(web.proxy?.account == "33")
        #expect(web.resolvedUserHeader == "X-Remote-User" && web.resolvedGroupsHeader == "X-Remote-Groups")
        #expect(web.resolvedPatientDisplay == .full)
        let access = try WebAccess.resolve(web)
        #expect(access.proxyUID == 33 && access.groupRoles.isEmpty && access.publicOrigin == nil)
    }

    @Test("a web section that cannot work is refused with its line and what to write", arguments: [
        ("web:\n  socketPath: /tmp/w.sock\n", 2, "web needs proxy.account"),
        ("web:\n  proxy:\n    userHeader: X-Remote-User\n", 3, "web.proxy.account is required"),
        ("web:\n  proxy:\n    account: root\n", 3, "may not be root"),
        ("web:\n  proxy:\n    account: \"0\"\n", 3, "may not be root"),
        ("web:\n  proxy:\n    account: www-data\n  sockettPath: /tmp/w.sock\n", 4, "unknown setting 'web.sockettPath'"),
        ("web:\n  proxy:\n    account: www-data\n    acount: x\n", 4, "unknown setting 'web.proxy.acount'"),
        ("web:\n  proxy:\n    account: www-data\n    userHeader: X_Remote_User\n", 4, "not a usable header name"),
        ("web:\n  proxy:\n    account: www-data\n    userHeader: X-Remote-User\n    groupsHeader: x-remote-user\n", 5, "must be different headers"),
        ("web:\n  proxy:\n    account: www-data\n  roles:\n    ops: admin\n", 5, "admin is never reachable through the web"),
        ("web:\n  proxy:\n    account: www-data\n  roles:\n    ops: [station, admin]\n", 5, "admin is never reachable through the web"),
        ("web:\n  proxy:\n    account: www-data\n  roles:\n    ops: monitor\n", 5, "may not grant 'monitor'"),
        ("web:\n  proxy:\n    account: www-data\n  roles:\n    ops: nurse\n", 5, "'nurse' in web.roles.ops is not a role"),
        ("web:\n  proxy:\n    account: www-data\n  roles:\n    ops: []\n", 5, "lists no role"),
        ("web:\n  proxy:\n    account: www-data\n  roles: station\n", 4, "web.roles must map a proxy group"),
        ("web:\n  proxy:\n    account: www-data\n  publicOrigin: https://ward.example/\n", 4, "has more than scheme, host and port"),
        ("web:\n  proxy:\n    account: www-data\n  publicOrigin: http://ward.example\n", 4, "plain http"),
        ("web:\n  proxy:\n    account: www-data\n  publicOrigin: https://Ward.example\n", 4, "lower case"),
        ("web:\n  proxy:\n    account: www-data\n  publicOrigin: ward.example\n", 4, "is not an origin"),
        ("web:\n  proxy:\n    account: www-data\n  patientDisplay: initials\n", 4, "use full or bedAndInitials"),
        ("web:\n  proxy:\n    account: www-data\n  socketPath: /tmp/\(String(repeating: "s", count: 110))\n", 4, "under 108 bytes"),
        ("web: yes\n", 1, "web must be a mapping"),
    ])
    func refused(yaml: String, line: Int, message: String) throws {
        let error = try #require(throws: ConfigurationError.self) { try DaemonConfiguration.parse(yaml, file: "t.yaml") }
        #expect(error.message.contains(message), "\(error)")
        #expect(error.line == line, "\(error)")
    }

    @Test("the origins browsers send are accepted, loopback over plain http included", arguments: [
        "https://infusion.ward7.example", "https://infusion.ward7.example:8443", "http://localhost:8080", "http://127.0.0.1:8766",
        "http://[::1]:8080",
    ])
    func origins(origin: String) throws {
        let configuration = try DaemonConfiguration.parse("web:\n  proxy:\n    account: www-data\n  publicOrigin: \"\(origin)\"\n", file: "t.yaml")
        #expect(configuration.web?.publicOrigin == origin)
    }

    @Test("the host checks: the proxy account must exist, and the web socket may not be another of the daemon's files")
    func hostChecks() throws {
        var configuration = try DaemonConfiguration.parse("web:\n  proxy:\n    account: ietest-no-such-account\n", file: "t.yaml")
        configuration.stateDirectory = "/tmp/ie-web-\(UUID().uuidString.prefix(8))"
        let missing = try #require(throws: ConfigurationError.self) { try configuration.checkHost(file: "t.yaml") }
        #expect(missing.message.contains("web.proxy.account 'ietest-no-such-account' does not exist"))
        let ownSocket = configuration.resolvedSocketPath
        configuration.web?.proxy?.account = "0"
        configuration.web?.socketPath = ownSocket
        let clash = try #require(throws: ConfigurationError.self) { try configuration.checkHost(file: "t.yaml") }
        #expect(clash.message.contains("web.socketPath"), "\(clash)")
        configuration.web?.socketPath = nil
        configuration.web?.socketGroup = "ietest-no-such-group"
        let group = try #require(throws: ConfigurationError.self) { try configuration.checkHost(file: "t.yaml") }
        #expect(group.message.contains("web.socketGroup 'ietest-no-such-group' does not exist"))
    }

    @Test("the web section is audited with the rest of the configuration at start")
    func audited() throws {
        let configuration = try DaemonConfiguration.parse(Self.complete, file: "t.yaml")
        guard case .object(let summary) = configuration.auditSummary, case .object(let web)? = summary["web"] else {
            Issue.record("no web in the audited configuration")
            return
        }
        #expect(web["socketPath"] == "/run/infusiond/web.sock")
        #expect(web["publicOrigin"] == "https://infusion.ward7.example")
    }

    @Test("docs/CONFIG.md names every web setting; config/infusiond.yaml's commented example loads once uncommented")
    func documented() throws {
        let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent().deletingLastPathComponent()
        let document = try String(contentsOf: root.appending(path: "docs/CONFIG.md"), encoding: .utf8)
        for name in ["web.socketPath", "web.socketGroup", "web.proxy.account", "web.proxy.userHeader", "web.proxy.groupsHeader",
                     "web.roles", "web.publicOrigin", "web.patientDisplay"] {
            #expect(document.contains("| `\(name)` |"), "\(name) is not in docs/CONFIG.md")
        }
        let example = try String(contentsOf: root.appending(path: "config/infusiond.yaml"), encoding: .utf8)
        let lines = example.split(separator: "\n", omittingEmptySubsequences: false)
        let start = try #require(lines.firstIndex(of: "# web:"))
        let block = lines[start...].prefix { $0.hasPrefix("# ") }.map { $0.dropFirst(2) }.joined(separator: "\n")
        let web = try #require(try DaemonConfiguration.parse(block, file: "config/infusiond.yaml").web)
        #expect(web.proxy?.account == "www-data")
        #expect(web.resolvedSocketPath(stateDirectory: "/var/lib/infusiond") == "/run/infusiond/web.sock")
    }
}
