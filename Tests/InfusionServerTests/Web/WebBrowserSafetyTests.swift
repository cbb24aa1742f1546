import Foundation
import HTTPTypes
import InfusionCore
import InfusionServer
import InfusionStore
import Testing

/// Issue 12 item 3 through the web router: changes only from the pages' own origin and only as JSON, and the
/// safety headers on every answer.
@Suite("Web socket: cross-origin refusal, JSON only, security headers")
struct WebBrowserSafetyTests {
    static let observationPath = "/v1/sessions/00000000-0000-0000-0000-000000000001/observations"

    /// A change (an acknowledgement of an alert that does not exist: past the door it is a 404) with the browser's
    /// headers as given.
    static func knock(site: String?, origin: String?, publicOrigin: String? = WebHarness.origin,
                      contentType: String? = "application/json") async throws -> (status: Int, code: String?, records: [AuditRecord]) {
        let harness = try WebHarness(publicOrigin: publicOrigin)
        let box = ReplyBox()
        try await harness.run { client in
            let reply = try await client.send(.post, "/v1/alerts/999/ack", raw: Data(#"{"note":"seen"}"#.utf8), contentType: contentType,
                                              headers: WebHarness.headers(site: site, origin: origin))
            await box.set(reply.status, reply.problem?.code)
        }
        let (status, code) = await box.value
        return (status, code, try await harness.audit())
    }

    actor ReplyBox {
        var value: (Int, String?) = (0, nil)
        func set(_ status: Int, _ code: String?) { value = (status, code) }
    }

    @Test("Sec-Fetch-Site decides when the browser sends it: only same-origin passes", arguments: [
        ("same-origin", true), ("same-site", false), ("cross-site", false), ("none", false), ("SAME-ORIGIN", true),
    ])
    func fetchMetadata(site: String, passes: Bool) async throws {
        // An Origin that matches does not rescue a request the browser says came from elsewhere.
        let (status, code, records) = try await Self.knock(site: site, origin: WebHarness.origin)
        if passes {
            #expect(status == 404 && code == "alert.notFound")
        } else {
            #expect(status == 403 && code == "web.crossOrigin")
            let refusal = try #require(records.last { $0.action == "request.refuse" })
            #expect(refusal.actor.via == "web" && refusal.actor.person == "nurse-042")
        }
    }

    @Test("without Fetch Metadata the Origin must be exactly web.publicOrigin", arguments: [
        (WebHarness.origin as String?, true), ("https://infusion.ward7.example:8443", false), ("http://infusion.ward7.example", false),
        ("https://evil.example", false), ("null", false), ("https://infusion.ward7.example/", false), (nil, false),
    ])
    func origin(origin: String?, passes: Bool) async throws {
        let (status, code, _) = try await Self.knock(site: nil, origin: origin)
        #expect(passes ? status == 404 : (status == 403 && code == "web.crossOrigin"), "\(status) \(code ?? "-")")
    }

    @Test("without web.publicOrigin only Fetch Metadata can vouch for a change")
    func noPublicOrigin() async throws {
        #expect(try await Self.knock(site: nil, origin: WebHarness.origin, publicOrigin: nil).code == "web.crossOrigin")
        #expect(try await Self.knock(site: "same-origin", origin: nil, publicOrigin: nil).status == 404)
    }

    @Test("a change must be JSON: forms, text and a missing type are 415", arguments: [
        ("application/json", true), ("application/json; charset=utf-8", true), ("Application/JSON", true),
        ("text/plain", false), ("application/x-www-form-urlencoded", false), ("multipart/form-data; boundary=x", false),
        ("application/jsonp", false), (nil as String?, false),
    ])
    func jsonOnly(contentType: String?, passes: Bool) async throws {
        let (status, code, _) = try await Self.knock(site: "same-origin", origin: nil, contentType: contentType)
        #expect(passes ? status == 404 : (status == 415 && code == "request.unsupportedMediaType"), "\(status) \(code ?? "-")")
    }

    @Test("reads need neither Fetch Metadata nor Origin")
    func readsNeedNoOrigin() async throws {
        try await WebHarness().run { client in
            let reply = try await client.send(.get, "/v1/alerts", headers: WebHarness.headers(site: "cross-site"))
            #expect(reply.status == 200)
        }
    }

    static let required: [(String, String)] = [
        ("Content-Security-Policy", WebHeadersMiddleware.contentSecurityPolicy), ("X-Content-Type-Options", "nosniff"),
        ("Referrer-Policy", "no-referrer"), ("Cache-Control", "no-store"), ("X-Frame-Options", "DENY"),
    ]

    @Test("every answer on the web socket carries the CSP, nosniff, no-referrer and no-store, refusals included")
    func headersOnEveryAnswer() async throws {
        let harness = try WebHarness()
        try await harness.run { client in
            let replies = [
                try await client.send(.get, "/v1/health", headers: WebHarness.headers()),
                try await client.send(.get, "/v1/sessions", headers: WebHarness.headers()),
                try await client.send(.get, "/v1/no-such-route", headers: WebHarness.headers()),
                try await client.send(.get, "/v1/sessions", headers: WebHarness.headers(user: nil)),
                try await client.send(.get, "/v1/audit", headers: WebHarness.headers()),
                try await client.send(.post, Self.observationPath, raw: Data("{}".utf8), contentType: "text/plain", headers: WebHarness.headers()),
                try await client.send(.post, "/v1/sessions", raw: try WebHarness.startBody(), headers: WebHarness.clinician),
                try await client.send(.post, "/v1/sessions/preview", raw: try WebHarness.startBody(), headers: WebHarness.clinician),
            ]
            // A route without a row in the access table is admin-only, and admin is never reachable here: 403.
            #expect(replies.map(\.status) == [200, 200, 403, 401, 403, 415, 201, 200])
            for reply in replies {
                for (name, value) in Self.required {
                    #expect(reply.headers[HTTPField.Name(name)!] == value, "\(reply.status): \(name)")
                }
            }
        }
    }

    @Test("the CSP allows no inline script or style, no eval, no plugins and no framing")
    func policyIsStrict() {
        let policy = WebHeadersMiddleware.contentSecurityPolicy
        let directives = Dictionary(uniqueKeysWithValues: policy.split(separator: ";").map { part -> (String, String) in
            let words = part.trimmingCharacters(in: .whitespaces).split(separator: " ", maxSplits: 1)
            return (String(words[0]), words.count > 1 ? String(words[1]) : "")
        })
        #expect(!policy.contains("unsafe-inline") && !policy.contains("unsafe-eval") && !policy.contains("*"))
        #expect(directives["default-src"] == "'self'")
        #expect(directives["script-src"] == "'self'")
        #expect(directives["style-src"] == "'self'")
        #expect(directives["object-src"] == "'none'")
        #expect(directives["frame-ancestors"] == "'none'")
        #expect(directives["base-uri"] == "'none'")
    }
}
