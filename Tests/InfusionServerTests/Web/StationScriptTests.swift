import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import InfusionCore
import InfusionServer
import Testing

/// Issue 12 item 3 ("the browser never decides anything clinical"), checked on the scripts the web socket serves:
/// the board, session and alerts pages show lists in the daemon's order and read only fields the daemon sends.
@Suite("Web socket: station scripts keep the daemon's order")
struct StationScriptTests {
    static func script(_ name: String) async throws -> String {
        let harness = try WebHarness()
        let text = Box("")
        try await harness.run { client in
            let reply = try await client.send(.get, "/assets/\(name)", headers: WebHarness.headers())
            #expect(reply.status == 200)
            await text.set(String(decoding: reply.body, as: UTF8.self))
        }
        return await text.value
    }

    @Test("no page script sorts or reverses what the daemon answered (GET /v1/alerts is highest priority first, then newest; the board is worst first; events are the log's order)",
          arguments: ["alerts.js", "board.js", "session.js", "common.js"])
    func noReordering(name: String) async throws {
        let text = try await Self.script(name)
        #expect(!text.isEmpty)
        for call in [".sort(", ".reverse(", ".toSorted(", ".toReversed("] {
            #expect(!text.contains(call), "\(name) reorders with \(call)")
        }
    }

    @Test("the session page shows the decisions' guidance (the lipid emulsion doses as the daemon words them), not a field decisions do not have, and draws the series route")
    func sessionReadsDaemonFields() async throws {
        let text = try await Self.script("session.js")
        #expect(!text.contains("lipidEmulsion"))
        #expect(text.contains("decision.guidance"))
        #expect(text.contains("/series`"))
        // Guidance is what ``Decision`` carries for it.
        let decision = Decision(ruleId: "L01", action: .stop, priority: .high, reason: "r", guidance: LipidEmulsion.guidance(weightKg: 70))
        let json = try #require(try JSONSerialization.jsonObject(with: try WireJSON.encode(decision)) as? [String: Any])
        #expect((json["guidance"] as? String)?.contains("105 mL over 2–3 min, then 17.5 mL/min") == true)
        #expect(json["lipidEmulsion"] == nil)
    }

    actor Box<T: Sendable> {
        var value: T
        init(_ value: T) { self.value = value }
        func set(_ value: T) { self.value = value }
    }
}
