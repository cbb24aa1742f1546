import Foundation
import InfusionClient
import InfusionCore
import Testing

/// Bad input sent over the real socket: clear refusals, and the daemon keeps serving.
@Suite("End to end: bad input over the socket", .serialized)
struct RawSocketTests {
    @Test("oversized, malformed, wrongly typed and future requests are refused; the daemon keeps serving")
    func refusals() async throws {
        let daemon = try DaemonProcess()
        try await daemon.start()
        let client = daemon.client
        let session = try await client.startSession(Bedside.start())
        let path = "/v1/sessions/\(session.id)/observations"
        let json = [(name: "Content-Type", value: "application/json")]

        let big = try await client.send(method: "POST", path: path, body: Data(repeating: UInt8(ascii: "x"), count: 100_000), headers: json)
        #expect(big.status == 413)
        let malformed = try await client.send(method: "POST", path: path, body: Data("{\"eventId\":".utf8), headers: json)
        #expect(malformed.status == 400)
        let text = try await client.send(method: "POST", path: path, body: Data("hello".utf8), headers: [(name: "Content-Type", value: "text/plain")])
        #expect(text.status == 415)
        let future = Bedside.observation([.tinnitus])
        var late = future
        late.observedAt = Date().addingTimeInterval(600)
        let tooLate = try await client.send(method: "POST", path: path, body: try WireJSON.encode(late), headers: json)
        #expect(tooLate.status == 422)
        #expect(String(decoding: tooLate.body, as: UTF8.self).contains("observation.futureTime"))
        let unknown = try await client.send(method: "GET", path: "/v1/sessions/\(UUID())", body: nil, headers: [])
        #expect(unknown.status == 404)
        for response in [big, malformed, text, tooLate, unknown] {
            #expect(response.headers.contains { $0.name.lowercased() == "content-type" && $0.value == "application/problem+json" })
        }

        #expect(try await client.health().status == "ok")
        #expect(try await client.events(sessionId: session.id).events.count == 1)
        let refusals = try await client.audit(after: 0, limit: 1000).records.filter { $0.record.action == "request.refuse" }
        #expect(refusals.count == 5)
        #expect(refusals.allSatisfy { $0.record.actor.pid != nil && $0.record.actor.uid != nil })
        #expect(await daemon.terminate() == 0)
    }
}
