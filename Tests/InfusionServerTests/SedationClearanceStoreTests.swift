import Foundation
import InfusionCore
import InfusionServer
import InfusionStore
import Testing

/// A sedation alert raised on one score resolves when a later set scores a lighter level on either scale (CLINICAL
/// §7 and §8), through the store with the shipped profiles.
@Suite("Sedation alerts clear through the store")
struct SedationClearanceStoreTests {
    static let start = AlertTimerTests.start

    static func observation(_ scale: Sedation.Scale, _ value: String, minutes: Double, symptoms: [Symptom]? = []) -> ObservationRequest {
        ObservationRequest(observedAt: start.addingTimeInterval(minutes * 60), recordedBy: "nurse-042", vitals: RouterHarness.baseline,
                           symptoms: symptoms, sedation: Sedation(scale: scale, value: value))
    }

    @Test("an L12 drowsiness alert raised on RASS −1 resolves on RASS 0 or above, and stays on RASS −1", arguments: [
        ("0", true), ("+1", true), ("-1", false),
    ])
    func drowsinessClears(value: String, resolves: Bool) async throws {
        let clock = AlertTimerTests.TestClock(Self.start)
        let state = try AlertTimerTests.state(clock: clock)
        let store = state.store
        let session = try await store.startSession(AlertTimerTests.startRequest(), ruleSet: state.ruleSet, actor: .daemon, now: Self.start)
        let (drowsy, _) = try await store.recordObservation(sessionId: session.id, request: Self.observation(.RASS, "-1", minutes: 10), ruleSet: state.ruleSet, actor: .daemon, now: Self.start.addingTimeInterval(600))
        let alert = try #require(drowsy.alerts.first { $0.ruleId == "L12" })
        #expect(alert.priority == .low)
        let (later, _) = try await store.recordObservation(sessionId: session.id, request: Self.observation(.RASS, value, minutes: 15), ruleSet: state.ruleSet, actor: .daemon, now: Self.start.addingTimeInterval(900))
        #expect(later.alerts.contains { $0.id == alert.id && $0.state == .resolved } == resolves)
        #expect(try await store.sessionDetail(id: session.id).openAlerts.contains { $0.id == alert.id } == !resolves)
    }

    @Test("a ketamine K04 agitation alert raised on RASS +2 resolves on a POSS score that rules agitation out")
    func agitationClearsOnPoss() async throws {
        let clock = AlertTimerTests.TestClock(Self.start)
        let state = try AlertTimerTests.state(clock: clock)
        let store = state.store
        var request = AlertTimerTests.startRequest()
        request.drug = .ketamine
        request.bolus = nil
        request.infusion = InfusionOrder(rateMgPerKgPerHour: 0.2)
        let session = try await store.startSession(request, ruleSet: state.ruleSet, actor: .daemon, now: Self.start)
        let (agitated, _) = try await store.recordObservation(sessionId: session.id, request: Self.observation(.RASS, "+2", minutes: 10), ruleSet: state.ruleSet, actor: .daemon, now: Self.start.addingTimeInterval(600))
        let alert = try #require(agitated.alerts.first { $0.ruleId == "K04" })
        // POSS 1 with agitation on the checklist cannot rule it out; without it, it can.
        let (unsure, _) = try await store.recordObservation(sessionId: session.id, request: Self.observation(.POSS, "1", minutes: 15, symptoms: [.agitation]), ruleSet: state.ruleSet, actor: .daemon, now: Self.start.addingTimeInterval(900))
        #expect(!unsure.alerts.contains { $0.id == alert.id && $0.state == .resolved })
        let (calm, _) = try await store.recordObservation(sessionId: session.id, request: Self.observation(.POSS, "1", minutes: 20), ruleSet: state.ruleSet, actor: .daemon, now: Self.start.addingTimeInterval(1200))
        #expect(calm.alerts.contains { $0.id == alert.id && $0.state == .resolved })
    }
}
