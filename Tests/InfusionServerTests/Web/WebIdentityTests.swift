import Foundation
import HTTPTypes
import InfusionCore
import InfusionServer
import InfusionStore
import Testing

/// Issue 12 item 2 through the web router: identity only from the proxy's account, roles from its groups (never
/// admin), the acting person from the proxy, every refusal audited with `via: web`.
@Suite("Web socket: identity from the trusted proxy")
struct WebIdentityTests {
    @Test("a person the proxy vouches for reads with their role; the read is audited with the person, the role, via web and the proxy's process")
    func trustedRead() async throws {
        let harness = try WebHarness()
        try await harness.run { client in
            let reply = try await client.send(.get, "/v1/sessions", headers: WebHarness.headers(site: nil))
            #expect(reply.status == 200)
        }
        let read = try #require(try await harness.audit().last { $0.action == "session.list" })
        #expect(read.actor == AuditActor(person: "nurse-042", role: "station", uid: WebHarness.proxyUID, gid: WebHarness.proxyUID,
                                         pid: 777, via: "web"))
    }

    @Test("the proxy's account without a user header is 401 web.unauthenticated, audited")
    func missingUser() async throws {
        let harness = try WebHarness()
        try await harness.run { client in
            for user in [nil, "", "   "] {
                let reply = try await client.send(.get, "/v1/sessions", headers: WebHarness.headers(user: user))
                #expect(reply.status == 401)
                #expect(reply.problem?.code == "web.unauthenticated")
            }
        }
        let refusals = try await harness.audit().filter { $0.action == "request.refuse" }
        #expect(refusals.count == 3)
        #expect(refusals.allSatisfy { $0.actor.via == "web" && $0.actor.person == nil && $0.actor.uid == WebHarness.proxyUID })
    }

    @Test("identity headers from any peer but the proxy's account are refused 403 and audited with that peer, never as the claimed person",
          arguments: [UInt32(0), 1000, WebHarness.proxyUID + 1])
    func forgedFromAnotherPeer(uid: UInt32) async throws {
        let harness = try WebHarness(peerUID: uid)
        try await harness.run { client in
            let reply = try await client.send(.get, "/v1/sessions", headers: WebHarness.headers(user: "clin-017", groups: "pain-team"))
            #expect(reply.status == 403)
            #expect(reply.problem?.code == "web.untrustedPeer")
            #expect(reply.problem?.detail.contains("X-Remote-User 'clin-017'") == true)
            let post = try await client.send(.post, "/v1/sessions", raw: try WebHarness.startBody(), headers: WebHarness.clinician)
            #expect(post.status == 403)
            #expect(post.problem?.code == "web.untrustedPeer")
        }
        let records = try await harness.audit()
        #expect(!records.contains { $0.action == "session.start" || $0.action == "session.list" })
        let refusals = records.filter { $0.action == "request.refuse" }
        #expect(refusals.count == 2)
        #expect(refusals.allSatisfy { $0.actor.uid == uid && $0.actor.person == nil && $0.actor.via == "web" })
    }

    @Test("an underscore variant of an identity header, or two user headers, is refused 403", arguments: [
        [("X_Remote_User", "clin-017")], [("x_remote_groups", "pain-team")], [("X-Remote-User", "clin-017")],
    ])
    func spoofedVariants(extra: [(String, String)]) async throws {
        let harness = try WebHarness()
        try await harness.run { client in
            let reply = try await client.send(.get, "/v1/sessions", headers: WebHarness.headers(extra: extra))
            #expect(reply.status == 403)
            #expect(reply.problem?.code == "web.identityRefused")
        }
    }

    @Test("roles come from the proxy's groups only; a person with no mapped group is refused and audited as themselves")
    func rolesFromGroups() async throws {
        let harness = try WebHarness()
        try await harness.run { client in
            let none = try await client.send(.get, "/v1/sessions", headers: WebHarness.headers(groups: "visitors, porters"))
            #expect(none.status == 403)
            #expect(none.problem?.code == "access.denied")
            let station = try await client.send(.get, "/v1/audit", headers: WebHarness.headers())
            #expect(station.status == 403)
            let auditor = try await client.send(.get, "/v1/audit", headers: WebHarness.headers(user: "aud-3", groups: "audit-office"))
            #expect(auditor.status == 200)
            let both = try await client.send(.get, "/v1/audit", headers: WebHarness.headers(user: "aud-3", groups: " ward7-nurses ,audit-office"))
            #expect(both.status == 200)
        }
        let refusal = try #require(try await harness.audit().first { $0.action == "request.refuse" })
        #expect(refusal.actor.person == "nurse-042" && refusal.actor.via == "web")
    }

    @Test("admin is never reachable through the web, even if a group were given it", arguments: [
        (HTTPRequest.Method.post, "/v1/admin/reload"), (.post, "/v1/admin/backup"),
    ])
    func adminUnreachable(method: HTTPRequest.Method, path: String) async throws {
        let harness = try WebHarness(groupRoles: ["ops": [.admin, .station, .clinician, .auditor, .monitor]])
        #expect(harness.access.groupRoles["ops"] == [.station, .clinician, .auditor])
        try await harness.run { client in
            let reply = try await client.send(method, path, raw: Data("{}".utf8), headers: WebHarness.headers(user: "op-1", groups: "ops"))
            #expect(reply.status == 403)
            #expect(reply.problem?.code == "access.denied")
            #expect(reply.problem?.detail.contains("not open through the web") == true)
        }
    }

    @Test("the acting person is the one signed in: recordedBy and by are filled in when absent")
    func actingPersonFilled() async throws {
        let harness = try WebHarness()
        try await harness.run { client in
            let started = try await client.send(.post, "/v1/sessions", raw: try WebHarness.startBody(), headers: WebHarness.clinician)
            #expect(started.status == 201, "\(String(decoding: started.body, as: UTF8.self))")
            let session = try started.decode(Session.self)
            #expect(session.startedBy == "clin-017")
            let observation = #"{"eventId":"\#(UUID().uuidString)","observedAt":"\#(WireJSON.formatTimestamp(Date()))","vitals":{"heartRateBpm":74}}"#
            let recorded = try await client.send(.post, "/v1/sessions/\(session.id.uuidString)/observations", raw: Data(observation.utf8),
                                                 headers: WebHarness.headers())
            #expect(recorded.status == 201, "\(String(decoding: recorded.body, as: UTF8.self))")
            #expect(try recorded.decode(EventResponse.self).event.recordedBy == "nurse-042")
            let pause = try await client.send(.post, "/v1/sessions/\(session.id.uuidString)/actions",
                                              raw: Data(#"{"action":"pause","reason":"review"}"#.utf8), headers: WebHarness.clinician)
            #expect(pause.status == 201)
            #expect(try pause.decode(EventResponse.self).event.recordedBy == "clin-017")
        }
        let records = try await harness.audit()
        let accepted = try #require(records.first { $0.action == "observation.accept" })
        #expect(accepted.actor.person == "nurse-042" && accepted.actor.role == "station" && accepted.actor.via == "web")
        let start = try #require(records.first { $0.action == "session.start" })
        #expect(start.actor.person == "clin-017" && start.actor.role == "clinician" && start.actor.uid == WebHarness.proxyUID)
    }

    @Test("a body that names someone else is refused 403 web.personMismatch, stores nothing and is audited", arguments: [
        "recordedBy", "override.by", "contraindicationOverride.by",
    ])
    func startNamingSomeoneElse(field: String) async throws {
        let harness = try WebHarness()
        var body = try #require(try WireJSON.decoder().decode(JSONValue.self, from: try WebHarness.startBody()).objectValue)
        switch field {
        case "recordedBy": body["recordedBy"] = "clin-999"
        case "override.by": body["override"] = ["by": "clin-999", "reason": "senior said so"]
        default: body["contraindicationOverride"] = ["by": "clin-999", "reason": "paced"]
        }
        let raw = try WireJSON.encode(JSONValue.object(body))
        try await harness.run { client in
            let reply = try await client.send(.post, "/v1/sessions", raw: raw, headers: WebHarness.clinician)
            #expect(reply.status == 403)
            #expect(reply.problem?.code == "web.personMismatch")
            #expect(reply.problem?.field == field)
        }
        let records = try await harness.audit()
        #expect(!records.contains { $0.action == "session.start" })
        #expect(records.contains { $0.action == "request.refuse" && $0.actor.person == "clin-017" })
        #expect(try await harness.state.store.sessions(state: "all").isEmpty)
    }

    @Test("an observation, action or acknowledgement naming someone else is refused; naming the person signed in is accepted")
    func writesNamingSomeoneElse() async throws {
        let harness = try WebHarness()
        try await harness.run { client in
            let started = try await client.send(.post, "/v1/sessions", raw: try WebHarness.startBody(rate: 1, bolus: 1.5), headers: WebHarness.clinician)
            let session = try started.decode(Session.self)
            let base = "/v1/sessions/\(session.id.uuidString)"
            func observation(_ by: String) -> Data {
                Data(#"{"eventId":"\#(UUID().uuidString)","observedAt":"\#(WireJSON.formatTimestamp(Date()))","recordedBy":"\#(by)","symptoms":["tinnitus"]}"#.utf8)
            }
            let other = try await client.send(.post, "\(base)/observations", raw: observation("nurse-099"), headers: WebHarness.headers())
            #expect(other.status == 403)
            #expect(other.problem?.code == "web.personMismatch")
            let own = try await client.send(.post, "\(base)/observations", raw: observation("nurse-042"), headers: WebHarness.headers())
            #expect(own.status == 201)
            let alert = try #require(try own.decode(EventResponse.self).alerts.first)
            let ackOther = try await client.send(.post, "/v1/alerts/\(alert.id)/ack", raw: Data(#"{"by":"nurse-099"}"#.utf8),
                                                 headers: WebHarness.headers())
            #expect(ackOther.status == 403)
            #expect(ackOther.problem?.code == "web.personMismatch")
            let ack = try await client.send(.post, "/v1/alerts/\(alert.id)/ack", raw: Data(#"{"note":"at the bedside"}"#.utf8),
                                            headers: WebHarness.headers())
            #expect(ack.status == 200)
            #expect(try ack.decode(Alert.self).acknowledgedBy == "nurse-042")
            let action = try await client.send(.post, "\(base)/actions", raw: Data(#"{"action":"pumpStopped","by":"clin-017"}"#.utf8),
                                               headers: WebHarness.headers())
            #expect(action.status == 403)
            #expect(action.problem?.code == "web.personMismatch")
        }
    }

    @Test("off the web socket nothing changes: identity headers mean nothing and the person comes from the body")
    func ownSocketUnchanged() async throws {
        let harness = try WebHarness()
        try await harness.runOwnSocket { client in
            let reply = try await client.send(.post, "/v1/sessions", json: RouterHarness.startRequest())
            #expect(reply.status == 201)
            #expect(reply.headers[HTTPField.Name("Content-Security-Policy")!] == nil)
            let forged = try await client.send(.get, "/v1/sessions", headers: WebHarness.headers(user: "someone-else"))
            #expect(forged.status == 200)
        }
        let records = try await harness.audit()
        #expect(records.first { $0.action == "session.start" }?.actor.person == "nurse-042")
        #expect(records.allSatisfy { $0.actor.via == nil })
        #expect(records.first { $0.action == "session.list" }?.actor.person == nil)
    }
}


/// Every person on the web arrives as the proxy's one account: the refusal allowance is per person there.
@Suite("Web socket: refusal allowance per person")
struct WebRefusalAllowanceTests {
    @Test("one web person's refusals do not use up another's full records; the summary names the person", arguments: [0, 5, 12])
    func perPerson(refusals: Int) async throws {
        let store = ClinicalStore(database: try ClinicalDatabase())
        let audit = RefusalAudit(store: store, clock: { Date() }, window: .seconds(600), recordsPerWindow: 5)
        let problem = Problem(status: 403, code: "web.crossOrigin", title: "Cross-origin request refused", detail: "none")
        func web(_ person: String) -> AuditActor {
            AuditActor(person: person, role: "station", uid: WebHarness.proxyUID, gid: WebHarness.proxyUID, pid: 9, via: "web")
        }
        for _ in 0..<refusals {
            try await audit.recordRequest(problem, method: "POST", path: "/x", actor: web("nurse-001"))
        }
        try await audit.recordRequest(problem, method: "POST", path: "/y", actor: web("nurse-002"))
        await audit.flush()
        let records = try await store.auditPage(after: 0, limit: 10_000).records.map(\.record)
        let full = records.filter { $0.action == "request.refuse" }
        #expect(full.filter { $0.actor.person == "nurse-001" }.count == min(refusals, 5))
        #expect(full.filter { $0.actor.person == "nurse-002" }.count == 1)
        let summaries = records.filter { $0.action == "refusal.suppressed" }
        #expect(summaries.count == (refusals > 5 ? 1 : 0))
        if case .object(let detail)? = summaries.first?.detail {
            #expect(detail["person"] == "nurse-001" && detail["via"] == "web")
        }
    }
}
