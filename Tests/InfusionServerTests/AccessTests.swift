import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import InfusionCore
import InfusionServer
import InfusionStore
import Testing

/// Roles from peer credentials (SPEC §7): the policy, its configuration, the one route table, and what each role
/// gets from the real router. Real users over the real socket are in EndToEndTests/RoleTests.
@Suite("Access: roles from peer credentials")
struct AccessTests {
    static let station: UInt32 = 2001, clinician: UInt32 = 2002, auditor: UInt32 = 2003, admin: UInt32 = 2004
    static let daemonUID: UInt32 = 998

    static let policy = AccessPolicy(
        groupRoles: [station: [.station], clinician: [.clinician], auditor: [.auditor], admin: [.admin]],
        userRoles: [1500: [.station]], adminUIDs: [0, daemonUID])

    static func peer(uid: UInt32, gid: UInt32, groups: [UInt32] = []) -> PeerCredentials {
        PeerCredentials(pid: 4242, uid: uid, gid: gid, groups: groups)
    }

    static let peers: [(PeerCredentials, Set<Role>)] = [
        (peer(uid: 0, gid: 0), [.admin]),
        (peer(uid: daemonUID, gid: daemonUID), [.admin]),
        (peer(uid: 1001, gid: station), [.station]),
        (peer(uid: 1001, gid: 1001, groups: [clinician]), [.clinician]),
        (peer(uid: 1001, gid: 1001, groups: [station, auditor]), [.station, .auditor]),
        (peer(uid: 1500, gid: 1500), [.station]),
        (peer(uid: 1001, gid: 1001), []),
        (peer(uid: 1001, gid: 1001, groups: [9999]), []),
    ]

    @Test("roles come from the uid, the primary group and the supplementary groups", arguments: peers)
    func rolesForPeer(peer: PeerCredentials, expected: Set<Role>) {
        #expect(Self.policy.roles(for: peer) == expected)
    }

    @Test("a connection without peer credentials gets nothing unless a test grants it")
    func peerless() {
        #expect(AccessPolicy().roles(for: nil).isEmpty)
        #expect(AccessPolicy.inProcessTests(as: [.auditor]).roles(for: nil) == [.auditor])
    }

    static let directory = AccessPolicy.Directory(
        gid: { ["infusiond-station": 2001, "infusiond-clinician": 2002, "infusiond-auditor": 2003, "infusiond-admin": 2004, "infusiond-monitor": 2005, "wheel": 0][$0] },
        uid: { ["pumpgw": 1500][$0] })

    @Test("configured names resolve to ids; missing names are warnings, numbers are taken as ids")
    func resolve() throws {
        let configuration = AccessConfiguration(
            groups: AccessConfiguration.defaultGroups.merging(["ward-7": [.station], "3001": [.auditor]]) { $1 },
            users: ["pumpgw": [.station], "ghost": [.admin], "1700": [.clinician]])
        let (policy, warnings) = try AccessPolicy.resolve(configuration, daemonUID: 998, directory: Self.directory)
        #expect(policy.groupRoles == [2001: [.station], 2002: [.clinician], 2003: [.auditor], 2004: [.admin], 2005: [.monitor], 3001: [.auditor]])
        #expect(policy.userRoles == [1500: [.station], 1700: [.clinician]])
        #expect(policy.adminUIDs == [0, 998])
        #expect(warnings.count == 2)
        #expect(warnings.contains { $0.contains("no group 'ward-7'") })
        #expect(warnings.contains { $0.contains("no account 'ghost'") })
    }

    @Test("a group that resolves to gid 0 is refused")
    func rootGroupRefused() {
        #expect(throws: AccessPolicyError.self) {
            _ = try AccessPolicy.resolve(AccessConfiguration(groups: ["wheel": [.admin]]), directory: Self.directory)
        }
    }

    @Test("the access section: defaults, single roles and lists")
    func configurationParses() throws {
        let absent = try DaemonConfiguration.parse("logLevel: info\n", file: "t.yaml")
        #expect(absent.resolvedAccess.groups == AccessConfiguration.defaultGroups)
        let text = """
            access:
              groups:
                ward-7-stations: station
                pain-team: [clinician, auditor]
              users:
                pumpgw: station
            """
        let configured = try DaemonConfiguration.parse(text, file: "t.yaml")
        #expect(configured.resolvedAccess.groups == ["ward-7-stations": [.station], "pain-team": [.clinician, .auditor]])
        #expect(configured.resolvedAccess.users == ["pumpgw": [.station]])
    }

    @Test("mistakes in the access section are refused with their line", arguments: [
        ("access:\n  grups:\n    a: station\n", 2, "unknown setting 'access.grups'"),
        ("access:\n  groups:\n    a: nurse\n", 3, "'nurse' in access.groups.a is not a role"),
        ("access:\n  groups:\n    a: [station, janitor]\n", 3, "'janitor'"),
        ("access:\n  groups:\n    root: admin\n", 3, "may not map the root group"),
        ("access:\n  users: [a, b]\n", 2, "access.users must map"),
        ("access: everyone\n", 1, "access must be a mapping"),
        ("access:\n  groups:\n    a: []\n", 3, "lists no role"),
    ])
    func configurationErrors(text: String, line: Int, message: String) {
        #expect {
            _ = try DaemonConfiguration.parse(text, file: "t.yaml")
        } throws: { error in
            guard let error = error as? ConfigurationError else { return false }
            return error.line == line && error.message.contains(message)
        }
    }

    @Test("every route the router serves has a row in the access table")
    func everyRouteHasARule() throws {
        let routes = try OpenAPICoverageTests.servedRoutes()
        let missing = routes.filter { AccessRules.rule(method: $0.method, path: $0.path) == nil }
        #expect(missing.isEmpty, "routes without an access rule (admin only until one is added): \(missing.sorted())")
    }

    static let lookups: [(String, String, Set<Role>)] = [
        ("GET", "/v1/unknown", [.admin]),
        ("DELETE", "/v1/sessions", [.admin]),
        ("GET", "/v1/sessions/abc/events/extra", [.admin]),
        ("GET", "/v1/sessions/abc/events", [.station, .clinician, .auditor, .admin]),
        ("GET", "/metrics", Set(Role.allCases)),
        ("GET", "/v1/audit?after=0", [.auditor, .admin]),
    ]

    @Test("a path without a row is admin only", arguments: lookups)
    func unmatchedIsAdminOnly(method: String, path: String, expected: Set<Role>) {
        #expect(AccessRules.roles(method: method, path: path) == expected)
    }

    /// What each role may do, written out independently of the table so a change to it must change this too.
    static let matrix: [(method: HTTPRequest.Method, path: String, allowed: Set<Role>)] = [
        (.get, "/v1/health", Set(Role.allCases)),
        (.get, "/metrics", Set(Role.allCases)),
        (.get, "/v1/sessions", [.station, .clinician, .auditor, .admin]),
        (.get, "/v1/alerts", [.station, .clinician, .auditor, .admin]),
        (.get, "/v1/sessions/00000000-0000-0000-0000-000000000000/events", [.station, .clinician, .auditor, .admin]),
        (.post, "/v1/sessions", [.clinician, .admin]),
        (.post, "/v1/sessions/00000000-0000-0000-0000-000000000000/observations", [.station, .clinician, .admin]),
        (.post, "/v1/alerts/1/ack", [.station, .clinician, .admin]),
        (.get, "/v1/audit", [.auditor, .admin]),
        (.get, "/v1/audit/verify", [.auditor, .admin]),
        (.post, "/v1/admin/backup", [.admin]),
    ]

    @Test("each role gets exactly its routes from the real router; the rest are 403 access.denied", arguments: Role.allCases)
    func routeMatrix(role: Role) async throws {
        let harness = try RouterHarness(roles: [role])
        try await harness.run { client in
            for (method, path, allowed) in Self.matrix {
                let reply = try await client.send(method, path, raw: method == .post ? Data("{}".utf8) : nil)
                if allowed.contains(role) {
                    #expect(reply.problem?.code != "access.denied", "\(role) should reach \(method) \(path)")
                } else {
                    #expect(reply.status == 403, "\(role) must not reach \(method) \(path)")
                    #expect(reply.problem?.code == "access.denied")
                }
            }
        }
    }

    @Test("a station may confirm pumpStopped but not stop, pause or resume; a clinician may")
    func actionsByRole() async throws {
        let harness = try RouterHarness(roles: [.station])
        let session = try await harness.state.store.startSession(
            RouterHarness.startRequest(), ruleSet: harness.state.ruleSet, actor: AuditActor(person: "clin-017"), now: Date())
        try await harness.run { client in
            for action in [SessionActionKind.stop, .pause, .resume, .rateChange, .end] {
                let reply = try await client.send(.post, "/v1/sessions/\(session.id)/actions",
                                                  json: ActionRequest(action: action, by: "nurse-042", reason: "r"))
                #expect(reply.status == 403)
                #expect(reply.problem?.code == "access.denied")
                #expect(reply.problem?.field == "action")
            }
            let confirmed = try await client.send(.post, "/v1/sessions/\(session.id)/actions",
                                                  json: ActionRequest(action: .pumpStopped, by: "nurse-042"))
            #expect(confirmed.problem?.code != "access.denied")
        }
        let clinician = try RouterHarness(roles: [.clinician])
        let other = try await clinician.state.store.startSession(
            RouterHarness.startRequest(), ruleSet: clinician.state.ruleSet, actor: AuditActor(person: "clin-017"), now: Date())
        try await clinician.run { client in
            let reply = try await client.send(.post, "/v1/sessions/\(other.id)/actions",
                                              json: ActionRequest(action: .pause, by: "clin-017", reason: "review"))
            #expect(reply.status == 201)
        }
    }

    @Test("a refusal is audited as request.refuse with the code, and the message says what to do")
    func denialIsAudited() async throws {
        let harness = try RouterHarness(roles: [.station])
        try await harness.run { client in
            let reply = try await client.get("/v1/audit")
            #expect(reply.status == 403)
            let detail = try #require(reply.problem?.detail)
            #expect(detail.contains("GET /v1/audit needs the role auditor or admin"))
            #expect(detail.contains("holds station"))
        }
        let last = try await harness.state.store.auditPage(after: 0, limit: 1000).records.last
        #expect(last?.record.action == "request.refuse")
        guard case .object(let detail)? = last?.record.detail else {
            Issue.record("the refusal record has no detail")
            return
        }
        #expect(detail["code"] == "access.denied")
        #expect(last?.record.outcome == "refused")
    }

    @Test("without peer credentials and without a test grant, every route is refused")
    func peerlessRefused() async throws {
        let base = try RouterHarness()
        let state = ServerState(store: base.state.store, ruleSet: base.state.ruleSet, version: "test")
        let app = Application(router: InfusionDaemon.buildRouter(state: state))
        try await app.test(.router) { client in
            let response = try await client.execute(uri: "/v1/health", method: .get)
            #expect(response.status.code == 403)
            #expect(String(buffer: response.body).contains("without peer credentials"))
        }
    }
}
