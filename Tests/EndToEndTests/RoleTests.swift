import Foundation
import InfusionClient
import InfusionCore
import Testing
#if canImport(Glibc)
import Glibc
#endif

/// SPEC §7 with real accounts over the real socket: each process's uid, gid and groups come from the kernel
/// (SO_PEERCRED / SO_PEERGROUPS), the socket is 0660 with the configured group, and each role gets exactly what
/// it should. Accounts are switched with `setpriv` around curl.
@Suite("Roles as real users over the socket", .serialized)
struct RoleTests {
    static let clients = "ietest-clients"
    static let roleGroups = ["station": "ietest-station", "clinician": "ietest-clinician",
                             "auditor": "ietest-auditor", "admin": "ietest-admin"]
    static let nurse = "ietest-nurse", doctor = "ietest-doctor", auditor = "ietest-auditor-user",
               operator_ = "ietest-operator", outsider = "ietest-outsider", stranger = "ietest-stranger"

    static let config = """
        socketGroup: \(clients)
        socketMode: "0660"
        access:
          groups:
            ietest-station: station
            ietest-clinician: clinician
            ietest-auditor: auditor
            ietest-admin: admin
        """

    /// Creates the accounts and starts a daemon that maps their groups to roles.
    static func setUp() async throws -> DaemonProcess {
        try await SystemAccounts.group(clients)
        for group in roleGroups.values { try await SystemAccounts.group(group) }
        try await SystemAccounts.user(nurse, groups: [clients, "ietest-station"])
        try await SystemAccounts.user(doctor, groups: [clients, "ietest-clinician"])
        try await SystemAccounts.user(auditor, groups: [clients, "ietest-auditor"])
        try await SystemAccounts.user(operator_, groups: [clients, "ietest-admin"])
        try await SystemAccounts.user(outsider, groups: [clients])
        try await SystemAccounts.user(stranger, groups: [])
        let daemon = try DaemonProcess(extraConfig: config)
        try await daemon.start()
        return daemon
    }

    @Test("the socket is 0660 with the configured group; an account outside it cannot even connect",
          .enabled(if: TestEnvironment.runs(SystemAccounts.unavailableReason == nil),
                       "needs root, useradd/groupadd (passwd), setpriv (util-linux) and curl; scripts/test installs them, CI runs as root"))
    func socketPermissions() async throws {
        let daemon = try await Self.setUp()
        defer { Task { await daemon.terminate() } }
        var info = stat()
        #expect(stat(daemon.socketPath, &info) == 0)
        #expect(info.st_mode & 0o777 == 0o660)
        #expect(info.st_gid == SystemAccounts.gid(Self.clients))
        let refused = try await SystemAccounts.curl(as: Self.stranger, socket: daemon.socketPath, "GET", "/v1/health")
        #expect(refused.curlStatus == 7, "curl should fail to connect: \(refused.stderr)")
        // In the socket group but with no role: connects, and is refused with a reason that names it.
        let outsider = try await SystemAccounts.curl(as: Self.outsider, socket: daemon.socketPath, "GET", "/v1/health")
        #expect(outsider.status == 403)
        #expect(outsider.body.contains("access.denied"))
        #expect(outsider.body.contains("uid \(SystemAccounts.uid(Self.outsider)!) (\(Self.outsider))"))
        #expect(await daemon.terminate() == 0)
    }

    @Test("station, clinician, auditor and admin each get exactly their routes",
          .enabled(if: TestEnvironment.runs(SystemAccounts.unavailableReason == nil),
                       "needs root, useradd/groupadd (passwd), setpriv (util-linux) and curl; scripts/test installs them, CI runs as root"))
    func matrix() async throws {
        let daemon = try await Self.setUp()
        defer { Task { await daemon.terminate() } }
        // Root is admin: start the session the others work on.
        let session = try await daemon.client.startSession(Bedside.start())
        let sessionPath = "/v1/sessions/\(session.id.uuidString)"
        func observation() -> String {
            #"{"eventId":"\#(UUID().uuidString)","observedAt":"\#(WireJSON.formatTimestamp(Date()))","recordedBy":"nurse-042","vitals":{"heartRateBpm":74}}"#
        }
        let start = String(decoding: try WireJSON.encode(Bedside.start(patient: "MRN-2002")), as: UTF8.self)
        let pause = #"{"action":"pause","by":"clin-017","reason":"review"}"#
        let stop = #"{"action":"stop","by":"nurse-042","reason":"worried"}"#

        struct Case {
            var user: String
            var method: String
            var path: String
            var body: String?
            /// The status expected, or nil for "anything but 403".
            var expected: Int?
        }
        let cases: [Case] = [
            // Station: observations, reads, alerts; not session starts, clinical actions, audit or backup.
            Case(user: Self.nurse, method: "GET", path: "/v1/health", expected: 200),
            Case(user: Self.nurse, method: "GET", path: "/v1/sessions", expected: 200),
            Case(user: Self.nurse, method: "GET", path: sessionPath, expected: 200),
            Case(user: Self.nurse, method: "POST", path: "\(sessionPath)/observations", body: observation(), expected: 201),
            Case(user: Self.nurse, method: "GET", path: "/v1/alerts", expected: 200),
            Case(user: Self.nurse, method: "POST", path: "/v1/sessions", body: start, expected: 403),
            Case(user: Self.nurse, method: "POST", path: "\(sessionPath)/actions", body: stop, expected: 403),
            Case(user: Self.nurse, method: "GET", path: "/v1/audit", expected: 403),
            Case(user: Self.nurse, method: "POST", path: "/v1/admin/backup", expected: 403),
            // Clinician: starts and acts; no audit, no backup.
            Case(user: Self.doctor, method: "POST", path: "/v1/sessions", body: start, expected: 201),
            Case(user: Self.doctor, method: "POST", path: "\(sessionPath)/actions", body: pause, expected: 201),
            Case(user: Self.doctor, method: "POST", path: "\(sessionPath)/observations", body: observation(), expected: nil),
            Case(user: Self.doctor, method: "GET", path: "/v1/audit", expected: 403),
            Case(user: Self.doctor, method: "POST", path: "/v1/admin/backup", expected: 403),
            // Auditor: reads and the audit trail; writes nothing.
            Case(user: Self.auditor, method: "GET", path: "/v1/audit?after=0&limit=5", expected: 200),
            Case(user: Self.auditor, method: "GET", path: "/v1/audit/verify", expected: 200),
            Case(user: Self.auditor, method: "GET", path: sessionPath, expected: 200),
            Case(user: Self.auditor, method: "POST", path: "\(sessionPath)/observations", body: observation(), expected: 403),
            Case(user: Self.auditor, method: "POST", path: "/v1/sessions", body: start, expected: 403),
            Case(user: Self.auditor, method: "POST", path: "/v1/admin/backup", expected: 403),
            // Admin: everything, including the backup.
            Case(user: Self.operator_, method: "GET", path: "/v1/audit?after=0&limit=5", expected: 200),
            Case(user: Self.operator_, method: "POST", path: "/v1/admin/backup", expected: 200),
            Case(user: Self.operator_, method: "GET", path: "/metrics", expected: 200),
        ]
        for test in cases {
            let reply = try await SystemAccounts.curl(as: test.user, socket: daemon.socketPath, test.method, test.path, body: test.body)
            let label = "\(test.user) \(test.method) \(test.path)"
            #expect(reply.curlStatus == 0, "\(label): curl failed: \(reply.stderr)")
            if let expected = test.expected {
                #expect(reply.status == expected, "\(label) → \(reply.status) \(reply.body.prefix(300))")
            } else {
                #expect(reply.status != 403 && reply.status != 0, "\(label) → \(reply.status) \(reply.body.prefix(300))")
            }
            if reply.status == 403 {
                #expect(reply.body.contains("\"code\":\"access.denied\""), "\(label): \(reply.body.prefix(300))")
            }
        }

        // Each refusal is audited with the peer's uid; an accepted observation carries the role.
        let nurseUID = try #require(SystemAccounts.uid(Self.nurse))
        let records = try await daemon.client.audit(after: 0, limit: 1000).records.map(\.record)
        let refusals = records.filter { $0.action == "request.refuse" && $0.actor.uid == nurseUID }
        #expect(refusals.count == 4, "the nurse was refused four times")
        #expect(refusals.allSatisfy { $0.actor.pid != nil && $0.actor.gid != nil })
        let accepted = records.first { $0.action.hasPrefix("observation") && $0.actor.uid == nurseUID }
        #expect(accepted?.actor.role == "station")
        #expect(await daemon.terminate() == 0)
    }

    @Test("roles follow the process's real groups: the same account without its role group gets nothing",
          .enabled(if: TestEnvironment.runs(SystemAccounts.unavailableReason == nil),
                       "needs root, useradd/groupadd (passwd), setpriv (util-linux) and curl; scripts/test installs them, CI runs as root"))
    func groupsAreThePeers() async throws {
        let daemon = try await Self.setUp()
        defer { Task { await daemon.terminate() } }
        // Only the socket group: connects, but no role.
        let bare = try await SystemAccounts.curl(as: Self.nurse, primaryGroup: Self.clients, groups: [],
                                           socket: daemon.socketPath, "GET", "/v1/sessions")
        #expect(bare.status == 403)
        // The role group as a supplementary group.
        let withRole = try await SystemAccounts.curl(as: Self.nurse, primaryGroup: Self.clients, groups: ["ietest-station"],
                                               socket: daemon.socketPath, "GET", "/v1/sessions")
        #expect(withRole.status == 200)
        // The role group as the primary group (and the socket group as a supplementary one).
        let primary = try await SystemAccounts.curl(as: Self.outsider, primaryGroup: "ietest-auditor", groups: [Self.clients],
                                              socket: daemon.socketPath, "GET", "/v1/audit/verify")
        #expect(primary.status == 200)
        #expect(await daemon.terminate() == 0)
    }
}
