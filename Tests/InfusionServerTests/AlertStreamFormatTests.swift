import Foundation
import InfusionCore
@testable import InfusionServer
import InfusionStore
import Testing

/// The text/event-stream framing, the resume point, the event bus and hook commands.
@Suite("Alert stream framing, bus and hooks")
struct AlertStreamFormatTests {
    static let alert = Alert(id: 7, sessionId: UUID(uuidString: "8243D199-B871-478D-975E-E8C2AFA6EA3F")!, ruleId: "L20",
                             priority: .medium, state: .active, latched: false, reason: "late\nsecond line", raisedAt: Date(timeIntervalSince1970: 0),
                             updatedAt: Date(timeIntervalSince1970: 0))

    @Test("an event is id, event type and one data line of JSON, then a blank line")
    func eventFraming() throws {
        let text = try ServerSentEvents.format(AlertEvent(id: 42, kind: .raised, at: Date(timeIntervalSince1970: 0), alert: Self.alert))
        let lines = text.components(separatedBy: "\n")
        #expect(lines.count == 5 && lines[3].isEmpty && lines[4].isEmpty)
        #expect(lines[0] == "id: 42" && lines[1] == "event: alert.raised")
        let data = try #require(lines[2].split(separator: " ", maxSplits: 1).last)
        let decoded = try WireJSON.decoder().decode(AlertEvent.self, from: Data(data.utf8))
        #expect(decoded.alert.reason == "late\nsecond line" && decoded.id == 42)
    }

    @Test("comments prefix every line; retry is a field")
    func comments() {
        #expect(ServerSentEvents.comment("heartbeat") == ": heartbeat\n\n")
        #expect(ServerSentEvents.comment("a\nb") == ": a\n: b\n\n")
        #expect(ServerSentEvents.retry(milliseconds: 2000) == "retry: 2000\n\n")
    }

    @Test("the resume point: Last-Event-ID wins, then after, else nothing", arguments: [
        ("17", nil, Int64(17)), (nil, "0", 0), ("5", "9", 5), (nil, nil, nil), ("  ", "3", 3),
    ] as [(String?, String?, Int64?)])
    func resumePoint(header: String?, query: String?, expected: Int64?) throws {
        #expect(try ServerSentEvents.resumePoint(lastEventId: header, after: query) == expected)
    }

    @Test("a resume point that is not an event id is a 400 naming the field", arguments: [
        ("x", nil, "Last-Event-ID"), ("-1", nil, "Last-Event-ID"), (nil, "abc", "after"), (nil, "-2", "after"),
    ] as [(String?, String?, String)])
    func badResumePoint(header: String?, query: String?, field: String) {
        #expect {
            _ = try ServerSentEvents.resumePoint(lastEventId: header, after: query)
        } throws: { error in
            (error as? Problem)?.status == 400 && (error as? Problem)?.field == field
        }
    }

    @Test("the bus wakes subscribers after a commit to alert_events, and ends them on shut-down")
    func busWakesAndEnds() async throws {
        let store = ClinicalStore(database: try ClinicalDatabase())
        let bus = AlertEventBus(store: store, heartbeatInterval: .seconds(3600))
        let subscription = bus.subscribe()
        var signals = subscription.signals.makeAsyncIterator()
        #expect(await signals.next() == .changed)
        let ruleSet = try ProfileLoader.load(directory: nil)
        let session = try await store.startSession(RouterHarness.startRequest(), ruleSet: ruleSet, actor: .daemon, now: Date())
        _ = try await store.recordObservation(sessionId: session.id, request: ObservationRequest(observedAt: Date(), recordedBy: "n", symptoms: [.tinnitus]),
                                              ruleSet: ruleSet, actor: .daemon, now: Date())
        #expect(await signals.next() == .changed)
        #expect(bus.subscriberCount == 1)
        bus.shutDown()
        #expect(await signals.next() == nil)
        #expect(bus.subscriberCount == 0)
        let late = bus.subscribe()
        var lateSignals = late.signals.makeAsyncIterator()
        #expect(await lateSignals.next() == nil)
    }

    @Test("a quiet subscriber gets heartbeats")
    func heartbeats() async throws {
        let bus = AlertEventBus(store: ClinicalStore(database: try ClinicalDatabase()), heartbeatInterval: .milliseconds(20))
        let subscription = bus.subscribe()
        var seen: [AlertEventBus.Signal] = []
        for await signal in subscription.signals {
            seen.append(signal)
            if seen.count == 3 { break }
        }
        #expect(seen.first == .changed && seen.dropFirst().allSatisfy { $0 == .heartbeat })
        subscription.cancel()
    }

    @Test("hook commands: input on stdin, exit status, timeout and a missing program")
    func hookCommands() async throws {
        let file = NSTemporaryDirectory() + "hook-\(UUID().uuidString.prefix(8)).json"
        defer { try? FileManager.default.removeItem(atPath: file) }
        let ok = await HookCommand.run(["/bin/sh", "-c", "cat > \(file)"], input: Data("{\"a\":1}\n".utf8), timeout: .seconds(30))
        #expect(ok == .succeeded)
        #expect(try String(contentsOfFile: file, encoding: .utf8) == "{\"a\":1}\n")
        #expect(await HookCommand.run(["/bin/sh", "-c", "exit 3"], input: Data(), timeout: .seconds(30)) == .exited(3))
        let started = ContinuousClock.now
        let slow = await HookCommand.run(["/bin/sleep", "30"], input: Data(), timeout: .milliseconds(200))
        #expect(slow == .timedOut(.milliseconds(200)))
        #expect(ContinuousClock.now - started < .seconds(20))
        if case .couldNotStart = await HookCommand.run(["/nonexistent/hook"], input: Data(), timeout: .seconds(1)) {} else {
            Issue.record("a missing program should not start")
        }
        // A hook that does not read its input does not take the test process down.
        signal(SIGPIPE, SIG_IGN)
        #expect(await HookCommand.run(["/bin/true"], input: Data(repeating: 65, count: 200_000), timeout: .seconds(30)) == .succeeded)
    }
}
