import Foundation
import InfusionCore
import InfusionServer
import InfusionStore
import Testing

/// A baseline ECG in 2nd/3rd-degree AV block through the store and the escalation timer, with the shipped lidocaine
/// profile: refused at start (L18) unless overridden; while running, the block seen again is a standing medium L03
/// alert that escalates until someone acknowledges it, and a worsening stops the infusion.
@Suite("Baseline conduction block through the store and timers")
struct BaselineConductionBlockServerTests {
    static let start = AlertTimerTests.start

    static func request(rhythm: Rhythm, override: Override? = nil) -> StartSessionRequest {
        var request = AlertTimerTests.startRequest()
        request.baseline?.rhythm = rhythm
        request.contraindicationOverride = override
        return request
    }

    static func observation(_ rhythm: Rhythm, minutes: Double) -> ObservationRequest {
        var vitals = RouterHarness.baseline
        vitals.rhythm = rhythm
        return ObservationRequest(observedAt: start.addingTimeInterval(minutes * 60), recordedBy: "nurse-042", vitals: vitals, symptoms: [])
    }

    @Test("refused without an override; overridden, the block gets a standing L03 alert, and 2nd → 3rd degree stops")
    func overriddenStart() async throws {
        let clock = AlertTimerTests.TestClock(Self.start)
        let state = try AlertTimerTests.state(clock: clock)
        let store = state.store
        await #expect { try await store.startSession(Self.request(rhythm: .avBlock2), ruleSet: state.ruleSet, actor: .daemon, now: Self.start) } throws: { error in
            (error as? DomainError)?.code == "session.contraindicated" && (error as? DomainError)?.field == "baseline.rhythm"
        }
        #expect(try await store.sessions(state: "all").isEmpty)

        let override = Override(by: "dr.ada", reason: "Paced; cardiology agrees")
        let session = try await store.startSession(Self.request(rhythm: .avBlock2, override: override), ruleSet: state.ruleSet, actor: .daemon, now: Self.start)
        let started = try await store.sessionDetail(id: session.id)
        let l18 = try #require(started.recentDecisions.first { $0.decision.ruleId == "L18" })
        #expect(l18.decision.inputs["overrideBy"] == "dr.ada" && l18.decision.inputs["baselineRhythm"] == "avBlock2")

        clock.set(Self.start.addingTimeInterval(60))
        let (seen, _) = try await store.recordObservation(sessionId: session.id, request: Self.observation(.avBlock2, minutes: 1), ruleSet: state.ruleSet, actor: .daemon, now: clock.read())
        #expect(seen.decisions.map { "\($0.ruleId) \($0.action.rawValue) \($0.priority.rawValue)" } == ["L03 alert medium"])
        #expect(seen.session.state == .running)
        let standing = try #require(seen.alerts.first { $0.ruleId == "L03" })
        #expect(standing.priority == .medium && !standing.latched)

        // Nobody acknowledges: the block alert is routed as high after 5 min; the L18 record stays as it was.
        let escalation = EscalationTimer(state: state, interval: .seconds(1), logger: AlertTimerTests.logger)
        clock.set(Self.start.addingTimeInterval(6 * 60))
        let escalated = await escalation.tick()
        #expect(escalated.map(\.ruleId) == ["L03"] && escalated.first?.priority == .high)
        #expect(try await store.sessionDetail(id: session.id).openAlerts.first { $0.ruleId == "L18" }?.priority == .medium)

        // The same block again adds no duplicate; a 3rd-degree block is new: L03 stops and latches.
        let (again, _) = try await store.recordObservation(sessionId: session.id, request: Self.observation(.avBlock2, minutes: 7), ruleSet: state.ruleSet, actor: .daemon, now: Self.start.addingTimeInterval(7 * 60))
        #expect(again.alerts.isEmpty)
        let (worse, _) = try await store.recordObservation(sessionId: session.id, request: Self.observation(.avBlock3, minutes: 8), ruleSet: state.ruleSet, actor: .daemon, now: Self.start.addingTimeInterval(8 * 60))
        #expect(worse.decisions.first { $0.ruleId == "L03" }?.action == .stop && worse.session.state == .stopped)
        #expect(worse.alerts.first { $0.ruleId == "L03" }.map { $0.id == standing.id && $0.latched && $0.priority == .high } == true)

        let material = try await store.replayMaterial(sessionId: session.id)
        let replay = SessionReplay.replay(session: material.session, events: material.events) { _ in state.ruleSet }
        #expect(replay.identical, "\(replay.differences)")
    }
}
