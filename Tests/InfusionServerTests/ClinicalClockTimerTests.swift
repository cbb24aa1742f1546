import Foundation
import InfusionCore
import InfusionServer
import InfusionStore
import Logging
import Synchronization
import Testing

/// The clinical clock timer driven tick by tick with a clock the test moves: dose cap (L16) and duration (L17)
/// acted on between observations, once each, with the shipped profiles.
@Suite("Clinical clock timer")
struct ClinicalClockTimerTests {
    /// A clock the test sets.
    final class ManualClock: Sendable {
        private let now: Mutex<Date>
        init(_ start: Date) { now = Mutex(start) }
        func read() -> Date { now.withLock { $0 } }
        func set(_ date: Date) { now.withLock { $0 = date } }
    }

    static let start = WireJSON.truncatedToMilliseconds(Date(timeIntervalSince1970: 1_796_000_000))

    static func at(_ minutes: Double) -> Date { start.addingTimeInterval(minutes * 60) }

    static func fixture() throws -> (ManualClock, ServerState, ClinicalClockTimer) {
        let clock = ManualClock(start)
        let state = ServerState(store: ClinicalStore(database: try ClinicalDatabase()), ruleSet: try ProfileLoader.load(directory: nil),
                                version: "test", clock: { clock.read() })
        return (clock, state, ClinicalClockTimer(state: state, interval: .seconds(1), logger: Logger(label: "test")))
    }

    /// 100 kg at 1 mg/kg/h: 100 mg/h (the hard cap, allowed), so 500 mg at 300 min.
    static func startRequest(rate: Double = 1) -> StartSessionRequest {
        StartSessionRequest(
            patientId: "MRN-4001", drug: .lidocaine, weightKg: 100, dosingWeight: .actual,
            infusion: InfusionOrder(rateMgPerKgPerHour: rate), prescriber: "clin-017", recordedBy: "nurse-042",
            baseline: RouterHarness.baseline)
    }

    @Test("L16: the tick that finds 500 mg delivered stops the session; earlier and later ticks do nothing")
    func doseCap() async throws {
        let (clock, state, timer) = try Self.fixture()
        let session = try await state.store.startSession(Self.startRequest(), ruleSet: state.ruleSet, actor: .daemon, now: Self.start)
        clock.set(Self.at(299.9))
        #expect(await timer.tick().isEmpty)
        clock.set(Self.at(300))
        let fired = await timer.tick()
        #expect(fired.map { $0.decisions.map(\.ruleId) } == [["L16"]])
        #expect(fired.first?.session.state == .stopped)
        let alerts = try await state.store.alerts(state: nil, sessionId: session.id)
        #expect(alerts.map(\.ruleId) == ["L16"] && alerts.first?.priority == .medium && alerts.first?.latched == true)
        clock.set(Self.at(301))
        #expect(await timer.tick().isEmpty)
        let detail = try await state.store.sessionDetail(id: session.id, ruleSet: state.ruleSet, now: Self.at(400))
        #expect(detail.delivered?.mg == 500)
    }

    @Test("L17: one review after 24 h, also for a paused session; nothing for a stopped one")
    func duration() async throws {
        let (clock, state, timer) = try Self.fixture()
        let running = try await state.store.startSession(Self.startRequest(rate: 0.5), ruleSet: state.ruleSet, actor: .daemon, now: Self.start)
        let paused = try await state.store.startSession(Self.startRequest(rate: 0.5), ruleSet: state.ruleSet, actor: .daemon, now: Self.start)
        let stopped = try await state.store.startSession(Self.startRequest(rate: 0.5), ruleSet: state.ruleSet, actor: .daemon, now: Self.start)
        _ = try await state.store.recordAction(sessionId: paused.id, request: ActionRequest(action: .pause, by: "clin-017"),
                                               ruleSet: state.ruleSet, actor: .daemon, now: Self.at(60))
        _ = try await state.store.recordAction(sessionId: stopped.id, request: ActionRequest(action: .stop, by: "clin-017", reason: "done"),
                                               ruleSet: state.ruleSet, actor: .daemon, now: Self.at(60))
        // 0.5 mg/kg/h at 100 kg is 50 mg/h: the 500 mg cap comes at 10 h, so pause the running one at 9 h.
        _ = try await state.store.recordAction(sessionId: running.id, request: ActionRequest(action: .pause, by: "clin-017"),
                                               ruleSet: state.ruleSet, actor: .daemon, now: Self.at(9 * 60))
        clock.set(Self.at(24 * 60))
        #expect(await timer.tick().isEmpty)
        clock.set(Self.at(24 * 60 + 1))
        let fired = await timer.tick()
        #expect(Set(fired.map(\.session.id)) == [running.id, paused.id])
        #expect(fired.allSatisfy { $0.decisions.map(\.ruleId) == ["L17"] && $0.session.state == .paused })
        clock.set(Self.at(24 * 60 + 2))
        #expect(await timer.tick().isEmpty)
    }
}
