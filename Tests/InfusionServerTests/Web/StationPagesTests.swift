import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import InfusionCore
import InfusionServer
import InfusionStore
import Testing

/// Issue 12 items 4 to 9, server side: the pages and their assets on the web socket only, the board's order and
/// figures computed by the daemon, and the forms' choices it hands the pages.
@Suite("Web socket: station pages, board and station facts")
struct StationPagesTests {
    actor Box<T: Sendable> {
        var value: T
        init(_ value: T) { self.value = value }
        func set(_ value: T) { self.value = value }
    }

    @Test("each page and asset is served on the web socket with its type and the strict headers, and not on the daemon's own socket",
          arguments: [("/", "text/html"), ("/sessions/00000000-0000-0000-0000-000000000001", "text/html"), ("/alerts", "text/html"),
                      ("/assets/board.js", "text/javascript"), ("/assets/common.js", "text/javascript"), ("/assets/station.css", "text/css"),
                      ("/assets/favicon.svg", "image/svg+xml")])
    func pagesServed(path: String, type: String) async throws {
        let harness = try WebHarness()
        try await harness.run { client in
            let reply = try await client.send(.get, path, headers: WebHarness.headers())
            #expect(reply.status == 200)
            #expect(reply.headers[.contentType]?.hasPrefix(type) == true)
            #expect(reply.headers[HTTPField.Name("Content-Security-Policy")!]?.contains("require-trusted-types-for 'script'") == true)
            #expect(reply.headers[.cacheControl] == "no-store")
        }
        try await harness.runOwnSocket { client in
            let reply = try await client.get(path)
            #expect(reply.status == 404)
        }
    }

    @Test("pages by role: the start page is the clinicians', the audit page the auditors'; an .html name is no asset", arguments: [
        ("/start", "ward7-nurses", 403), ("/start", "pain-team", 200), ("/audit", "ward7-nurses", 403), ("/audit", "audit-office", 200),
        ("/assets/page.html", "ward7-nurses", 404), ("/assets/nothing.js", "ward7-nurses", 404),
    ])
    func pagesByRole(path: String, group: String, status: Int) async throws {
        let harness = try WebHarness()
        try await harness.run { client in
            let reply = try await client.send(.get, path, headers: WebHarness.headers(user: "someone-1", groups: group))
            #expect(reply.status == status)
        }
    }

    @Test("the pages carry no inline script or style: every script and stylesheet is an embedded file of this origin")
    func noInlineCode() async throws {
        let harness = try WebHarness()
        try await harness.run { client in
            for path in ["/", "/start", "/alerts", "/audit", "/sessions/x"] {
                let html = String(decoding: try await client.send(.get, path, headers: WebHarness.headers(user: "aud-1", groups: "pain-team,audit-office")).body, as: UTF8.self)
                #expect(html.contains(#"<script type="module" src="/assets/"#), "\(path)")
                #expect(!html.contains("<script>") && !html.contains("style=") && !html.contains("<style"), "\(path)")
            }
        }
    }

    @Test("every page is the one shell with its own module, page name and title filled in", arguments: [
        ("/", "board", "Ward board"), ("/sessions/x", "session", "Session"), ("/start", "start", "Start session"),
        ("/alerts", "alerts", "Alerts"), ("/audit", "audit", "Audit"),
    ])
    func pageShell(path: String, page: String, title: String) async throws {
        let harness = try WebHarness()
        try await harness.run { client in
            let answer = try await client.send(.get, path, headers: WebHarness.headers(user: "aud-1", groups: "pain-team,audit-office"))
            let html = String(decoding: answer.body, as: UTF8.self)
            #expect(answer.status == 200)
            #expect(html.contains(#"<script type="module" src="/assets/\#(page).js"></script>"#))
            #expect(html.contains(#"<body data-page="\#(page)">"#))
            #expect(html.contains("<title>\(title) — infusiond</title>"))
            #expect(!html.contains("{{"))
        }
    }

    /// Starts a lidocaine session as the clinician through the web router and returns its id.
    static func start(_ client: RouterHarness.Client, patient: String, override: String? = nil, bolusMinutes: Double = 20) async throws -> UUID {
        var request = RouterHarness.startRequest()
        request.patientId = patient
        request.bolus = BolusOrder(doseMgPerKg: 1.5, durationMin: bolusMinutes)
        var object = try WireJSON.decoder().decode([String: JSONValue].self, from: try WireJSON.encode(request))
        object["recordedBy"] = nil
        if let override { object["override"] = .object(["reason": .string(override)]) }
        let reply = try await client.send(.post, "/v1/sessions", raw: try WireJSON.encode(JSONValue.object(object)), headers: WebHarness.clinician)
        #expect(reply.status == 201, "\(String(decoding: reply.body, as: UTF8.self))")
        return try reply.decode(Session.self).id
    }

    @Test("GET /v1/board: worst first (active medium before active low before none), the ward's counts, the dose cap and predicted-level lines from the profile, the heartbeat")
    func boardOrder() async throws {
        let harness = try WebHarness()
        try await harness.run { client in
            let quiet = try await Self.start(client, patient: "MRN-0001")
            let low = try await Self.start(client, patient: "MRN-0002", override: "slower bolus not tolerated", bolusMinutes: 10)
            let medium = try await Self.start(client, patient: "MRN-0003")
            let observation = #"{"eventId":"\#(UUID().uuidString)","observedAt":"\#(WireJSON.formatTimestamp(Date()))","symptoms":["tinnitus"]}"#
            let recorded = try await client.send(.post, "/v1/sessions/\(medium.uuidString)/observations", raw: Data(observation.utf8), headers: WebHarness.headers())
            #expect(recorded.status == 201)

            let reply = try await client.send(.get, "/v1/board", headers: WebHarness.headers())
            #expect(reply.status == 200)
            let board = try reply.decode(WardBoard.self)
            #expect(board.tiles.map(\.detail.session.id) == [medium, low, quiet])
            #expect(board.tiles.map(\.worstPriority) == [.medium, .low, nil])
            #expect(board.tiles[0].detail.session.state == .paused)
            #expect(board.activeByPriority == ["high": 0, "medium": 1, "low": 1])
            #expect(board.acknowledged == 0)
            #expect(board.heartbeatSeconds == 15)
            #expect(board.tiles[2].patientLabel == "MRN-0001")
            let limits = board.tiles[2].limits
            #expect(limits.doseCapMg?.value == 500 && limits.doseCapMg?.ruleId == "L16")
            #expect(limits.predictedLevel.map(\.value) == [5, 8])
            #expect(limits.predictedLevel.map(\.action) == [.review, .pause])
        }
        let records = try await harness.audit()
        let read = try #require(records.last { $0.action == "board.read" })
        #expect(read.actor.person == "nurse-042" && read.actor.via == "web")
    }

    @Test("the board's order puts an active alert above an acknowledged one of the same priority")
    func acknowledgedAfterActive() async throws {
        let harness = try WebHarness()
        try await harness.run { client in
            var ids: [UUID] = []
            for patient in ["MRN-0004", "MRN-0005"] {
                let id = try await Self.start(client, patient: patient)
                let observation = #"{"eventId":"\#(UUID().uuidString)","observedAt":"\#(WireJSON.formatTimestamp(Date()))","symptoms":["tinnitus"]}"#
                _ = try await client.send(.post, "/v1/sessions/\(id.uuidString)/observations", raw: Data(observation.utf8), headers: WebHarness.headers())
                ids.append(id)
            }
            let alerts = try await client.send(.get, "/v1/alerts?session=\(ids[0].uuidString)", headers: WebHarness.headers()).decode(AlertList.self)
            let first = try #require(alerts.alerts.first)
            #expect(try await client.send(.post, "/v1/alerts/\(first.id)/ack", raw: Data("{}".utf8), headers: WebHarness.headers()).status == 200)
            let board = try await client.send(.get, "/v1/board", headers: WebHarness.headers()).decode(WardBoard.self)
            #expect(board.tiles.map(\.detail.session.id) == [ids[1], ids[0]])
            #expect(board.acknowledged == 1)
        }
    }

    @Test("a wall screen's board names sessions by the bed and initials their start gave")
    func wallScreenBoard() async throws {
        let harness = try WebHarness(patientDisplay: .bedAndInitials)
        try await harness.run { client in
            var request = RouterHarness.startRequest()
            request.patientId = "MRN-778899"
            request.bed = "12"
            request.patientInitials = "AB"
            var object = try WireJSON.decoder().decode([String: JSONValue].self, from: try WireJSON.encode(request))
            object["recordedBy"] = nil
            let started = try await client.send(.post, "/v1/sessions", raw: try WireJSON.encode(JSONValue.object(object)),
                                                headers: WebHarness.clinician)
            #expect(started.status == 201, "\(String(decoding: started.body, as: UTF8.self))")
            #expect(try started.decode(Session.self).bed == "12")
            _ = try await Self.start(client, patient: "MRN-445566")
            let board = try await client.send(.get, "/v1/board", headers: WebHarness.headers()).decode(WardBoard.self)
            #expect(Set(board.tiles.map(\.patientLabel)) == ["Bed 12 · A.B.", "…5566"])
        }
    }

    @Test("web.patientDisplay bedAndInitials shows the bed and initials given at start, else only the end of the patient id, never all of it",
          arguments: [
            ("MRN-123456", nil, nil, "…3456"), ("1234", nil, nil, "…"), ("AB", nil, nil, "…"),
            ("MRN-123456", "12", "AB", "Bed 12 · A.B."), ("MRN-123456", "4C", nil, "Bed 4C"), ("MRN-123456", nil, "JQP", "J.Q.P."),
            ("MRN-123456", nil, "ABCDEFG", "ABCD"),
          ] as [(String, String?, String?, String)])
    func maskedLabel(patientId: String, bed: String?, initials: String?, label: String) {
        #expect(PatientLabel.label(patientId: patientId, bed: bed, initials: initials, masked: true) == label)
        #expect(PatientLabel.label(patientId: patientId, bed: bed, initials: initials, masked: false) == patientId)
    }

    @Test("the board's limit lines follow the patient: the mg/kg cap at low weight, the 4 µg/mL review line with heart failure", arguments: [
        (70.0, PatientFlags?.none, 500.0, [5.0, 8.0]),
        (40.0, PatientFlags?.none, 300.0, [5.0, 8.0]),
        (70.0, PatientFlags(conditions: [.heartFailure]), 500.0, [4.0, 5.0, 8.0]),
        (70.0, PatientFlags(ageYears: 71), 500.0, [4.0, 5.0, 8.0]),
        (70.0, PatientFlags(ageYears: 70), 500.0, [5.0, 8.0]),
    ])
    func limitLines(weightKg: Double, flags: PatientFlags?, capMg: Double, lines: [Double]) throws {
        let ruleSet = try ProfileLoader.load(directory: nil)
        var session = Session(id: UUID(), patientId: "MRN-1", drug: .lidocaine, state: .running, weightKg: weightKg, heightCm: 175,
                              sex: .male, dosingWeight: .actual, dosingWeightKg: weightKg, bolus: nil,
                              infusion: InfusionOrder(rateMgPerKgPerHour: 1), prescriber: "clin-017", startedBy: "clin-017",
                              startedAt: Date(), baseline: RouterHarness.baseline, override: nil, ruleSetHash: ruleSet.hash)
        session.flags = flags
        let limits = BoardLimits.of(session: session, profile: ruleSet.profiles[.lidocaine])
        #expect(limits.doseCapMg?.value == capMg)
        #expect(limits.predictedLevel.map(\.value) == lines)
    }

    @Test("GET /v1/station: the person and roles from the proxy, every symptom the API takes exactly once with stage 1 first, both sedation scales")
    func stationFacts() async throws {
        let harness = try WebHarness()
        let box = Box<Data>(Data())
        try await harness.run { client in
            let reply = try await client.send(.get, "/v1/station", headers: WebHarness.headers())
            #expect(reply.status == 200)
            await box.set(reply.body)
        }
        let facts = try JSONSerialization.jsonObject(with: await box.value) as? [String: Any] ?? [:]
        #expect(facts["user"] as? String == "nurse-042")
        #expect(facts["roles"] as? [String] == ["station"])
        let stages = facts["symptomStages"] as? [[String: Any]] ?? []
        let values = stages.flatMap { ($0["symptoms"] as? [[String: Any]] ?? []).compactMap { $0["value"] as? String } }
        #expect(values.sorted() == Symptom.allCases.map(\.rawValue).sorted())
        #expect((stages.first?["title"] as? String)?.hasPrefix("Stage 1") == true)
        let stageOne = (stages.first?["symptoms"] as? [[String: Any]] ?? []).compactMap { $0["value"] as? String }
        #expect(Set(stageOne) == ["perioralNumbness", "metallicTaste", "tinnitus", "lightheadedness", "dizziness"])
        let sedation = facts["sedation"] as? [String: [[String: Any]]] ?? [:]
        for (scale, choices) in sedation {
            for choice in choices {
                let value = choice["value"] as? String ?? ""
                #expect(Sedation(scale: Sedation.Scale(rawValue: scale)!, value: value).isValid, "\(scale) \(value)")
            }
        }
        #expect(Set(sedation.keys) == ["POSS", "RASS"])
    }
}
