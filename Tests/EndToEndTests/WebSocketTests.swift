import Foundation
import InfusionClient
import InfusionCore
import Testing
#if canImport(Glibc)
import Glibc
#endif

/// Issue 12 items 1 to 3 with the real daemon, a real web socket and real accounts: the proxy is an account of its
/// own (curl switched to it with `setpriv`), and so is the process that tries to forge the proxy's headers.
@Suite("Web socket with real accounts", .serialized)
struct WebSocketTests {
    static let webGroup = "ietest-web"
    static let proxy = "ietest-proxy", forger = "ietest-webforger", stranger = "ietest-stranger"
    static let origin = "https://infusion.ward7.example"

    static func config(webSocket: String) -> String {
        """
        web:
          socketPath: \(webSocket)
          socketGroup: \(webGroup)
          proxy:
            account: \(proxy)
          roles:
            ward7-nurses: station
            pain-team: clinician
            audit-office: auditor
          publicOrigin: \(origin)
        """
    }

    /// Creates the accounts and starts a daemon serving a web socket for the proxy account.
    static func setUp() async throws -> (DaemonProcess, String) {
        try await SystemAccounts.group(webGroup)
        try await SystemAccounts.user(proxy, groups: [webGroup])
        try await SystemAccounts.user(forger, groups: [webGroup])
        try await SystemAccounts.user(stranger, groups: [])
        let folder = "/tmp/ie-\(UUID().uuidString.prefix(8).lowercased())"
        let webSocket = "\(folder)-w.sock"
        let daemon = try DaemonProcess(extraConfig: config(webSocket: webSocket))
        try await daemon.start()
        // The web socket is bound next to the daemon's own; wait for its mode and group to be set.
        let deadline = Date().addingTimeInterval(30)
        var info = stat()
        while Date() < deadline, stat(webSocket, &info) != 0 || info.st_mode & 0o777 != 0o660 {
            try await Task.sleep(for: .milliseconds(50))
        }
        return (daemon, webSocket)
    }

    /// What curl got, headers included.
    struct Reply {
        var curlStatus: Int32
        var status: Int
        var headers: [String: String]
        var body: String
        var stderr: String
    }

    /// curl as `user` (with its groups) to the web socket, with extra headers.
    static func curl(as user: String, socket: String, _ method: String, _ path: String, headers: [String] = [],
                     body: String? = nil) async throws -> Reply {
        var arguments = ["--reuid=\(user)", "--regid=\(user)", "--init-groups", "--", "/usr/bin/curl", "--silent", "--show-error",
                         "--max-time", "60", "--unix-socket", socket, "--request", method, "--dump-header", "-", "--output", "-"]
        for header in headers { arguments += ["--header", header] }
        if let body { arguments += ["--data-binary", body] }
        arguments.append("http://localhost\(path)")
        let result = try await DaemonProcess.run("/usr/bin/setpriv", arguments)
        let parts = result.stdout.components(separatedBy: "\r\n\r\n")
        let head = parts.first ?? ""
        let lines = head.components(separatedBy: "\r\n")
        let status = lines.first.flatMap { $0.split(separator: " ").dropFirst().first.flatMap { Int($0) } } ?? 0
        var fields: [String: String] = [:]
        for line in lines.dropFirst() {
            guard let colon = line.firstIndex(of: ":") else { continue }
            fields[line[..<colon].lowercased()] = line[line.index(after: colon)...].trimmingCharacters(in: .whitespaces)
        }
        return Reply(curlStatus: result.status, status: status, headers: fields, body: parts.dropFirst().joined(separator: "\r\n\r\n"),
                     stderr: result.stderr)
    }

    static let nurse = ["X-Remote-User: nurse-042", "X-Remote-Groups: ward7-nurses"]

    @Test("the web socket is 0660 with web.socketGroup; only the proxy account's identity headers count, forged ones are refused and audited; the daemon's own socket is unchanged",
          .enabled(if: TestEnvironment.runs(SystemAccounts.unavailableReason == nil),
                       "needs root, useradd/groupadd (passwd), setpriv (util-linux) and curl; scripts/test installs them, CI runs as root"))
    func identity() async throws {
        let (daemon, webSocket) = try await Self.setUp()
        defer { Task { await daemon.terminate() } }
        var info = stat()
        #expect(stat(webSocket, &info) == 0)
        #expect(info.st_mode & 0o777 == 0o660)
        #expect(info.st_gid == SystemAccounts.gid(Self.webGroup))
        // The daemon's own socket still serves root as admin, with no web headers.
        let session = try await daemon.client.startSession(Bedside.start())

        // The proxy vouches for a nurse: served, with the browser-safety headers.
        let read = try await Self.curl(as: Self.proxy, socket: webSocket, "GET", "/v1/sessions/\(session.id.uuidString)", headers: Self.nurse)
        #expect(read.status == 200, "\(read.body.prefix(300)) \(read.stderr)")
        #expect(read.headers["content-security-policy"]?.contains("default-src 'self'") == true)
        #expect(read.headers["x-content-type-options"] == "nosniff")
        #expect(read.headers["referrer-policy"] == "no-referrer")
        #expect(read.headers["cache-control"] == "no-store")
        // The same proxy without a user: 401.
        let anonymous = try await Self.curl(as: Self.proxy, socket: webSocket, "GET", "/v1/sessions")
        #expect(anonymous.status == 401 && anonymous.body.contains("web.unauthenticated"))

        // Another account in the socket's group forges the headers: refused whatever it claims.
        let forged = try await Self.curl(as: Self.forger, socket: webSocket, "POST", "/v1/sessions/\(session.id.uuidString)/actions",
                                         headers: ["X-Remote-User: clin-017", "X-Remote-Groups: pain-team", "Sec-Fetch-Site: same-origin",
                                                   "Content-Type: application/json"],
                                         body: #"{"action":"stop","reason":"forged"}"#)
        #expect(forged.status == 403 && forged.body.contains("web.untrustedPeer"), "\(forged.body.prefix(300))")
        #expect(forged.headers["content-security-policy"] != nil)
        // Root is no proxy either: the web socket gives it nothing.
        let rootReply = try await DaemonProcess.run("/usr/bin/curl", ["--silent", "--unix-socket", webSocket, "--header", "X-Remote-User: clin-017",
                                                                      "--write-out", "\n%{http_code}", "http://localhost/v1/sessions"])
        #expect(rootReply.stdout.hasSuffix("\n403") && rootReply.stdout.contains("web.untrustedPeer"))
        // An account outside the group cannot even connect.
        let outside = try await Self.curl(as: Self.stranger, socket: webSocket, "GET", "/v1/sessions", headers: Self.nurse)
        #expect(outside.curlStatus == 7, "curl should fail to connect: \(outside.stderr)")

        // Through the proxy the nurse records an observation without naming herself; a cross-origin one is refused.
        let observation = #"{"eventId":"\#(UUID().uuidString)","observedAt":"\#(WireJSON.formatTimestamp(Date()))","vitals":{"heartRateBpm":74}}"#
        let crossSite = try await Self.curl(as: Self.proxy, socket: webSocket, "POST", "/v1/sessions/\(session.id.uuidString)/observations",
                                            headers: Self.nurse + ["Sec-Fetch-Site: cross-site", "Content-Type: application/json"], body: observation)
        #expect(crossSite.status == 403 && crossSite.body.contains("web.crossOrigin"))
        let recorded = try await Self.curl(as: Self.proxy, socket: webSocket, "POST", "/v1/sessions/\(session.id.uuidString)/observations",
                                           headers: Self.nurse + ["Origin: \(Self.origin)", "Content-Type: application/json"], body: observation)
        #expect(recorded.status == 201, "\(recorded.body.prefix(300))")

        let proxyUID = try #require(SystemAccounts.uid(Self.proxy))
        let forgerUID = try #require(SystemAccounts.uid(Self.forger))
        let records = try await daemon.client.audit(after: 0, limit: 1000).records.map(\.record)
        let accepted = try #require(records.first { $0.action == "observation.accept" })
        #expect(accepted.actor.person == "nurse-042" && accepted.actor.role == "station" && accepted.actor.via == "web")
        #expect(accepted.actor.uid == proxyUID && accepted.actor.pid != nil)
        let forgery = try #require(records.first { $0.action == "request.refuse" && $0.actor.uid == forgerUID })
        #expect(forgery.actor.via == "web" && forgery.actor.person == nil)
        #expect(!records.contains { $0.action == "session.stop" || $0.actor.person == "clin-017" })
        let start = try #require(records.first { $0.action == "daemon.start" })
        guard case .object(let detail) = start.detail else { Issue.record("no start detail"); return }
        #expect(detail["webSocket"] == .string(webSocket))

        #expect(await daemon.terminate() == 0)
        #expect(access(webSocket, F_OK) != 0, "the web socket is removed at stop")
    }
}
