import Foundation
import HTTPTypes
import InfusionCore
import InfusionServer
import InfusionStore
import Testing

/// Issue 15 items 12d, 12f and 12g: the stream-client gauge counts stream clients, a `Last-Event-ID` above the
/// newest event gets the current state, and alert lists and streams are audited with a count and a digest.
@Suite("Alert stream: client gauge, resuming past the newest event, and read audit")
struct AlertStreamAuditTests {
    static let lastEventId = HTTPField.Name("Last-Event-ID")!

    /// The value of `infusiond_stream_clients` in a scrape.
    static func streamClients(_ client: RouterHarness.Client) async throws -> Double? {
        let text = String(decoding: try await client.get("/metrics").body, as: UTF8.self)
        let line = text.split(separator: "\n").first { $0.hasPrefix("infusiond_stream_clients ") }
        return line.flatMap { Double($0.split(separator: " ").last ?? "") }
    }

    /// A started session with one raised alert (tinnitus pauses and raises L10).
    static func sessionWithAlert(_ client: RouterHarness.Client) async throws -> (Session, Alert) {
        let session = try await client.send(.post, "/v1/sessions", json: RouterHarness.startRequest()).decode(Session.self)
        let response = try await client.send(.post, "/v1/sessions/\(session.id)/observations", json: ObservationRequest(
            observedAt: Date(), recordedBy: "nurse-042", symptoms: [.tinnitus])).decode(EventResponse.self)
        return (session, try #require(response.alerts.first))
    }

    static func records(_ store: ClinicalStore, action: String) async throws -> [AuditRecord] {
        try await store.auditPage(after: 0, limit: 1000).records.map(\.record).filter { $0.action == action }
    }

    static func digest(_ ids: [Int64]) -> String {
        AuditLog.hexSHA256(Data(ids.map { "\($0)\n" }.joined().utf8))
    }

    @Test("infusiond_stream_clients is 1 while a client is connected and 0 after it leaves")
    func gauge() async throws {
        let harness = try RouterHarness()
        try await harness.run { client in
            #expect(try await Self.streamClients(client) == 0)
            let stream = Task { try await client.get("/v1/alerts/stream") }
            var seen: Double?
            for _ in 0..<200 {
                seen = try await Self.streamClients(client)
                if seen == 1 { break }
                try await Task.sleep(for: .milliseconds(25))
            }
            #expect(seen == 1)
            // Ending every subscription ends the stream, as graceful shutdown does.
            harness.state.alertBus.shutDown()
            #expect(try await stream.value.status == 200)
            #expect(try await Self.streamClients(client) == 0)
        }
    }

    @Test("a Last-Event-ID above the newest event is answered with every open alert as it stands", arguments: [1, 1_000_000])
    func resumeAboveNewest(above: Int64) async throws {
        let harness = try RouterHarness()
        try await harness.run { client in
            let (_, alert) = try await Self.sessionWithAlert(client)
            let newest = try await harness.state.store.latestAlertEventId()
            // With the bus shut down the stream ends after what it sends at once, so the body can be read whole.
            harness.state.alertBus.shutDown()
            let reply = try await client.send(.get, "/v1/alerts/stream", headers: [Self.lastEventId: String(newest + above)])
            #expect(reply.status == 200)
            let text = String(decoding: reply.body, as: UTF8.self)
            #expect(text.contains("is above the newest event \(newest)"))
            #expect(text.contains("id: \(newest)\nevent: alert.raised\n"))
            #expect(text.contains(#""id":\#(alert.id)"#))
        }
    }

    @Test("a Last-Event-ID at or below the newest event gets no snapshot")
    func resumeWithinRange() async throws {
        let harness = try RouterHarness()
        try await harness.run { client in
            _ = try await Self.sessionWithAlert(client)
            let newest = try await harness.state.store.latestAlertEventId()
            harness.state.alertBus.shutDown()
            let reply = try await client.send(.get, "/v1/alerts/stream", headers: [Self.lastEventId: String(newest)])
            let text = String(decoding: reply.body, as: UTF8.self)
            #expect(!text.contains("is above the newest event"))
            #expect(!text.contains("event: alert."))
        }
    }

    @Test("an alert list is audited with its count and an id digest, not every id")
    func alertListAudit() async throws {
        let harness = try RouterHarness()
        try await harness.run { client in
            let (session, alert) = try await Self.sessionWithAlert(client)
            let reply = try await client.send(.get, "/v1/alerts?session=\(session.id)", headers: [HTTPField.Name("X-Infusion-Person")!: "nurse-042"])
            #expect(reply.status == 200)
            let record = try #require(try await Self.records(harness.state.store, action: "alert.list").last)
            #expect(record.actor.person == "nurse-042")
            #expect(record.entity?.type == "alerts")
            let detail = try #require(record.detail.objectValue)
            #expect(detail["count"] == .number(1))
            #expect(detail["idsSha256"] == .string(Self.digest([alert.id])))
            #expect(detail["route"] == .string("GET /v1/alerts"))
            #expect(!String(decoding: try WireJSON.encode(record.detail), as: UTF8.self).contains(#""ids""#))
        }
    }

    @Test("a stream is audited when it opens and, with the count and digest of what it sent, when it ends")
    func streamAudit() async throws {
        let harness = try RouterHarness()
        try await harness.run { client in
            let (_, _) = try await Self.sessionWithAlert(client)
            let newest = try await harness.state.store.latestAlertEventId()
            harness.state.alertBus.shutDown()
            _ = try await client.send(.get, "/v1/alerts/stream?by=nurse-042", headers: [Self.lastEventId: String(newest + 5)])
            let opened = try #require(try await Self.records(harness.state.store, action: "alert.stream.open").last)
            #expect(opened.actor.person == "nurse-042")
            #expect(opened.detail.objectValue?["lastEventId"] == .number(Double(newest + 5)))
            let read = try #require(try await Self.records(harness.state.store, action: "alert.stream.read").last)
            #expect(read.actor.person == "nurse-042")
            #expect(read.detail.objectValue?["count"] == .number(1))
            #expect(read.detail.objectValue?["idsSha256"] == .string(Self.digest([newest])))
        }
    }

    @Test("a stream that cannot be audited is refused: a bad reading person is 400 before anything is sent")
    func streamBadPerson() async throws {
        try await RouterHarness().run { client in
            let reply = try await client.get("/v1/alerts/stream?by=nurse%1B042")
            #expect(reply.status == 400)
            #expect(reply.problem?.code == "request.badPerson")
        }
    }
}
