import Foundation
import InfusionCore
import InfusionServer
import InfusionStore
import Logging
import Testing

/// The stage-1 recheck (CLINICAL §2: every 5 min for 15 min) through the store, the schedule timer, the session view
/// and replay, with the shipped lidocaine profile.
@Suite("Symptom recheck through the schedule timer")
struct RecheckScheduleTimerTests {
    static let start = AlertTimerTests.start

    static func at(minutes: Double, plusMs: Double = 0) -> Date { start.addingTimeInterval(minutes * 60 + plusMs / 1000) }

    @Test("after tinnitus at 20 min the next set is due at 25: L20 low just after 30 min, not at 40; a recheck clears it; replay agrees")
    func missedRecheck() async throws {
        let clock = AlertTimerTests.TestClock(Self.start)
        let state = try AlertTimerTests.state(clock: clock)
        let store = state.store
        let session = try await store.startSession(AlertTimerTests.startRequest(), ruleSet: state.ruleSet, actor: .daemon, now: Self.start)
        let timer = ScheduleTimer(state: state, interval: .seconds(1), logger: AlertTimerTests.logger)

        let stageOne = ObservationRequest(observedAt: Self.at(minutes: 20), recordedBy: "nurse-042", vitals: RouterHarness.baseline,
                                          symptoms: [.tinnitus])
        clock.set(Self.at(minutes: 20))
        let (paused, _) = try await store.recordObservation(sessionId: session.id, request: stageOne, ruleSet: state.ruleSet, actor: .daemon, now: clock.read())
        #expect(paused.decisions.map(\.ruleId) == ["L10"] && paused.session.state == .paused)

        let shown = try await store.sessionDetail(id: session.id, ruleSet: state.ruleSet, now: Self.at(minutes: 21))
        #expect(shown.schedule?.nextDueAt == Self.at(minutes: 25))
        #expect(shown.schedule?.phase == .symptomRecheck && shown.schedule?.intervalSeconds == 300)

        clock.set(Self.at(minutes: 30))
        #expect(await timer.tick().isEmpty)
        clock.set(Self.at(minutes: 30, plusMs: 1))
        let fired = await timer.tick()
        let l20 = try #require(fired.first?.decisions.first)
        #expect(l20.ruleId == "L20" && l20.priority == .low && l20.inputs["phase"] == "symptomRecheck")
        #expect(l20.inputs["dueAt"] == .string(WireJSON.formatTimestamp(Self.at(minutes: 25))))
        #expect(fired.first?.alerts.first?.priority == .low)

        // The recheck made late at 31 min resolves L20 and puts the next one at 36.
        let recheck = ObservationRequest(observedAt: Self.at(minutes: 31), recordedBy: "nurse-042", vitals: RouterHarness.baseline, symptoms: [])
        clock.set(Self.at(minutes: 31))
        let (observed, _) = try await store.recordObservation(sessionId: session.id, request: recheck, ruleSet: state.ruleSet, actor: .daemon, now: clock.read())
        #expect(observed.alerts.contains { $0.ruleId == "L20" && $0.state == .resolved })
        let status = try await store.scheduleStatus(sessionId: session.id, ruleSet: state.ruleSet, now: Self.at(minutes: 31))
        #expect(status.nextDueAt == Self.at(minutes: 36))

        // 15 min after the symptom (35 min) the rechecks end: a set at 35 is followed by the loading interval.
        let last = ObservationRequest(observedAt: Self.at(minutes: 35), recordedBy: "nurse-042", vitals: RouterHarness.baseline, symptoms: [])
        _ = try await store.recordObservation(sessionId: session.id, request: last, ruleSet: state.ruleSet, actor: .daemon, now: Self.at(minutes: 35))
        #expect(try await store.scheduleStatus(sessionId: session.id, ruleSet: state.ruleSet, now: Self.at(minutes: 35)).nextDueAt == Self.at(minutes: 50))
        clock.set(Self.at(minutes: 55))
        #expect(await timer.tick().isEmpty)

        let material = try await store.replayMaterial(sessionId: session.id)
        #expect(material.events.map(\.event.kind) == [.start, .observation, .timer, .observation, .observation])
        let replay = SessionReplay.replay(session: material.session, events: material.events) { _ in state.ruleSet }
        #expect(replay.identical, "\(replay.differences)")
    }
}
