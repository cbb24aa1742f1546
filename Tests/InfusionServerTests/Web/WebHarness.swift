import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import InfusionCore
import InfusionServer
import InfusionStore

/// The web socket's router over an in-memory database, driven without a socket: every request is taken to come
/// from `peer` (the proxy's account unless a test says otherwise). Tests over a real socket with real accounts
/// are in EndToEndTests (WebSocketTests).
struct WebHarness {
    static let proxyUID: UInt32 = 4242
    static let origin = "https://infusion.ward7.example"
    static let roles: [String: Set<Role>] = [
        "ward7-nurses": [.station], "pain-team": [.clinician], "audit-office": [.auditor],
    ]

    let state: ServerState
    let access: WebAccess

    init(peerUID: UInt32 = WebHarness.proxyUID, groupRoles: [String: Set<Role>] = WebHarness.roles,
         publicOrigin: String? = WebHarness.origin, patientDisplay: WebConfiguration.PatientDisplay = .full) throws {
        let ruleSet = try ProfileLoader.load(directory: nil)
        state = ServerState(store: ClinicalStore(database: try ClinicalDatabase()), ruleSet: ruleSet, version: "test")
        access = WebAccess(proxyUID: Self.proxyUID, groupRoles: groupRoles, publicOrigin: publicOrigin, patientDisplay: patientDisplay,
                           peerless: PeerCredentials(pid: 777, uid: peerUID, gid: peerUID))
    }

    /// Sends requests to the web router.
    func run(_ body: @Sendable (RouterHarness.Client) async throws -> Void) async throws {
        let app = Application(router: InfusionDaemon.buildRouter(state: state, web: access))
        try await app.test(.router) { client in try await body(RouterHarness.Client(client: client)) }
    }

    /// The same state through the daemon's own socket's router (as root would reach it).
    func runOwnSocket(_ body: @Sendable (RouterHarness.Client) async throws -> Void) async throws {
        let ownState = ServerState(store: state.store, ruleSet: state.ruleSet, version: "test", access: .inProcessTests())
        let app = Application(router: InfusionDaemon.buildRouter(state: ownState))
        try await app.test(.router) { client in try await body(RouterHarness.Client(client: client)) }
    }

    /// What the proxy adds for a signed-in person, and what a browser adds to a request from the pages.
    static func headers(user: String? = "nurse-042", groups: String? = "ward7-nurses", site: String? = "same-origin",
                        origin: String? = nil, extra: [(String, String)] = []) -> HTTPFields {
        var fields = HTTPFields()
        if let user { fields[HTTPField.Name("X-Remote-User")!] = user }
        if let groups { fields[HTTPField.Name("X-Remote-Groups")!] = groups }
        if let site { fields[HTTPField.Name("Sec-Fetch-Site")!] = site }
        if let origin { fields[.origin] = origin }
        for (name, value) in extra { fields.append(HTTPField(name: HTTPField.Name(name)!, value: value)) }
        return fields
    }

    static let clinician = headers(user: "clin-017", groups: "pain-team")

    /// Every audit record so far.
    func audit() async throws -> [AuditRecord] {
        try await state.store.auditPage(after: 0, limit: 10_000).records.map(\.record)
    }

    /// A start body as JSON text without `recordedBy` (the web fills it in).
    static func startBody(weightKg: Double = 70, rate: Double = 1.0, bolus: Double = 1.5, recordedBy: String? = nil,
                          override: Override? = nil, flags: PatientFlags? = nil) throws -> Data {
        var request = RouterHarness.startRequest(weightKg: weightKg, rate: rate, bolus: bolus, override: override)
        request.flags = flags
        guard case .object(var object) = try WireJSON.decoder().decode(JSONValue.self, from: try WireJSON.encode(request)) else {
            return Data()
        }
        object["recordedBy"] = recordedBy.map(JSONValue.string)
        return try WireJSON.encode(JSONValue.object(object))
    }
}
