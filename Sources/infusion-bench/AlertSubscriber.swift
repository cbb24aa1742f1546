import Foundation
import InfusionClient
import InfusionCore
import Synchronization

/// A client of `GET /v1/alerts/stream` that notes when each alert change arrives.
final class AlertSubscriber: Sendable {
    private struct State {
        var opened = false
        var receipts: [AlertChangeKey: StreamReceipt] = [:]
        var events = 0
        var failure: String?
    }

    private let state = Mutex(State())
    private let task = Mutex<Task<Void, Never>?>(nil)

    /// Connects and returns once the daemon has opened the stream (so every later change will be delivered).
    static func connect(_ client: InfusionClient, timeout: Duration = .seconds(30)) async throws -> AlertSubscriber {
        let subscriber = AlertSubscriber()
        let stream = client.alertStream()
        let clock = ContinuousClock()
        subscriber.task.withLock {
            $0 = Task {
                do {
                    for try await item in stream {
                        switch item {
                        case .opened:
                            subscriber.state.withLock { $0.opened = true }
                        case .event(let event):
                            let now = clock.now
                            subscriber.state.withLock { state in
                                state.events += 1
                                let key = AlertChangeKey(event.alert)
                                if state.receipts[key] == nil { state.receipts[key] = StreamReceipt(received: now, kind: event.kind) }
                            }
                        case .heartbeat, .system:
                            break
                        }
                    }
                    subscriber.state.withLock { if $0.failure == nil { $0.failure = "the daemon ended the stream" } }
                } catch {
                    subscriber.state.withLock { $0.failure = "\(error)" }
                }
            }
        }
        let deadline = clock.now + timeout
        while clock.now < deadline {
            let (opened, failure) = subscriber.state.withLock { ($0.opened, $0.failure) }
            if opened { return subscriber }
            if let failure { throw BenchError("the alert stream did not open: \(failure)") }
            try await Task.sleep(for: .milliseconds(5))
        }
        subscriber.stop()
        throw BenchError("the alert stream did not open within \(timeout)")
    }

    /// Every alert change received so far, with when it arrived.
    var receipts: [AlertChangeKey: StreamReceipt] { state.withLock { $0.receipts } }

    /// How many alert events arrived.
    var eventCount: Int { state.withLock { $0.events } }

    /// Why the stream ended early, if it did.
    var failure: String? { state.withLock { $0.failure } }

    /// Waits until every change in `expected` has arrived, or `timeout` passed; returns whether all arrived.
    func waitFor(_ expected: Set<AlertChangeKey>, timeout: Duration) async -> Bool {
        let clock = ContinuousClock()
        let deadline = clock.now + timeout
        while true {
            let have = state.withLock { state in expected.allSatisfy { state.receipts[$0] != nil } }
            if have { return true }
            if clock.now >= deadline || failure != nil { return false }
            try? await Task.sleep(for: .milliseconds(20))
        }
    }

    /// Waits until `count` events arrived, or `timeout` passed.
    func waitFor(events count: Int, timeout: Duration) async -> Bool {
        let clock = ContinuousClock()
        let deadline = clock.now + timeout
        while eventCount < count {
            if clock.now >= deadline || failure != nil { return false }
            try? await Task.sleep(for: .milliseconds(20))
        }
        return true
    }

    /// Closes the stream.
    func stop() {
        task.withLock { $0?.cancel() }
    }
}
