import Foundation
import GRDB
import InfusionCore
@testable import InfusionStore
import Testing

/// The clinical model where a transaction is involved: X01 stops both sessions of a patient together, L16 stops
/// at the cap from the daemon's clock, trend rules read the stored history, and the session view computes the dose
/// and predicted level from the events.
@Suite("Clinical model in the store")
struct ClinicalModelStoreTests {
    static let start = StoreFixtures.start
    static let nurse = StoreFixtures.nurse

    /// Lidocaine (L10, L11 with its trends, L01, L16, X01) and ketamine (K04, X01) profiles; no limits in the way.
    static let ruleSet: RuleSet = {
        let open = DoseLimit()
        let limits = RegimenLimits(bolusDoseMgPerKg: open, bolusDurationMin: open, infusionRateMgPerKgPerHour: open,
                                   infusionMgPerHour: open)
        let stage1: [Symptom] = [.tinnitus, .perioralNumbness, .metallicTaste]
        let x01 = Rule(id: "X01", anyOf: [RuleCondition(otherSessionStopped: true)], action: .stop, priority: .high,
                       reason: "Other infusion stopped: stop this one.")
        let lidocaine = RuleProfile(drug: .lidocaine, title: "test lidocaine", defaultDosingWeight: .actual, limits: limits, rules: [
            Rule(id: "L01", anyOf: [RuleCondition(symptomsAny: [.seizure])], action: .stop, priority: .high, reason: "Seizure: stop."),
            Rule(id: "L07", anyOf: [RuleCondition(values: [.spo2Percent: Bounds(atMost: 91)])], action: .pause, priority: .high,
                 reason: "Low saturation: pause.", confirmWithinSeconds: 120),
            Rule(id: "L10", anyOf: [RuleCondition(symptomsAny: stage1)], action: .pause, priority: .medium, reason: "Early CNS: pause."),
            Rule(id: "L11", anyOf: [
                RuleCondition(values: [.pausedMinutes: Bounds(above: 15)], symptomsAny: stage1),
                RuleCondition(symptomsAny: stage1, recurringAfterResume: true),
            ], action: .stop, priority: .high, reason: "Early CNS not settling: stop."),
            Rule(id: "L16", anyOf: [RuleCondition(values: [.deliveredMg: Bounds(atLeast: 500)])], action: .stop, priority: .medium,
                 reason: "Dose cap reached: stop."),
            Rule(id: "L17", anyOf: [RuleCondition(values: [.infusionHours: Bounds(above: 24)])], action: .review, priority: .low,
                 reason: "Over 24 h: review.", review: true),
            x01,
        ])
        let ketamine = RuleProfile(drug: .ketamine, title: "test ketamine", defaultDosingWeight: .actual, limits: limits, rules: [
            Rule(id: "K04", anyOf: [RuleCondition(symptomsAny: [.hallucinations])], action: .pause, priority: .medium,
                 reason: "Hallucinations: pause."),
            x01,
        ])
        return RuleSet(profiles: [.lidocaine: lidocaine, .ketamine: ketamine], hash: String(repeating: "cd", count: 32))
    }()

    static func startRequest(_ drug: Drug = .lidocaine, patient: String = "MRN-2001", weightKg: Double = 70,
                             bolus: BolusOrder? = nil, rate: Double = 1) -> StartSessionRequest {
        StartSessionRequest(
            patientId: patient, drug: drug, weightKg: weightKg, bolus: bolus, infusion: InfusionOrder(rateMgPerKgPerHour: rate),
            prescriber: "clin-017", recordedBy: "nurse-042", baseline: StoreFixtures.baseline)
    }

    static func observation(at minutes: Double, symptoms: [Symptom]? = nil, vitals: Vitals? = nil, feedId: String? = nil) -> ObservationRequest {
        var observation = ObservationRequest(eventId: UUID(), observedAt: start.addingTimeInterval(minutes * 60), recordedBy: "nurse-042",
                                             vitals: vitals, symptoms: symptoms)
        observation.feedId = feedId
        return observation
    }

    static func at(_ minutes: Double) -> Date { start.addingTimeInterval(minutes * 60) }

    func observe(_ store: ClinicalStore, _ session: Session, at minutes: Double, symptoms: [Symptom]? = nil, vitals: Vitals? = nil,
                 feedId: String? = nil) async throws -> EventResponse {
        try await store.recordObservation(
            sessionId: session.id, request: Self.observation(at: minutes, symptoms: symptoms, vitals: vitals, feedId: feedId),
            ruleSet: Self.ruleSet, actor: Self.nurse, now: Self.at(minutes)).response
    }

    func session(_ store: ClinicalStore, _ id: UUID) async throws -> Session {
        try await store.sessionDetail(id: id).session
    }

    // MARK: X01

    @Test("X01: a rule's stop of the lidocaine session stops the patient's ketamine session in the same transaction")
    func x01StopsBoth() async throws {
        let store = try StoreFixtures.store()
        let lidocaine = try await store.startSession(Self.startRequest(), ruleSet: Self.ruleSet, actor: Self.nurse, now: Self.start)
        let ketamine = try await store.startSession(Self.startRequest(.ketamine, rate: 0.2), ruleSet: Self.ruleSet, actor: Self.nurse, now: Self.start)
        let stranger = try await store.startSession(Self.startRequest(.ketamine, patient: "MRN-9999", rate: 0.2),
                                                    ruleSet: Self.ruleSet, actor: Self.nurse, now: Self.start)

        let response = try await observe(store, lidocaine, at: 30, symptoms: [.seizure])
        #expect(response.session.state == .stopped)

        #expect(try await session(store, ketamine.id).state == .stopped)
        #expect(try await session(store, stranger.id).state == .running)
        let log = try await store.events(sessionId: ketamine.id)
        let system = try #require(log.events.last)
        #expect(system.kind == .system)
        #expect(system.body.stringValue == nil)
        #expect(log.decisions.map(\.decision.ruleId) == ["X01"])
        #expect(log.decisions.first?.decision.inputs["otherRuleId"] == "L01")
        #expect(log.decisions.first?.decision.inputs["otherSessionId"] == .string(lidocaine.id.uuidString))
        let alerts = try await store.alerts(state: nil, sessionId: ketamine.id)
        #expect(alerts.map(\.ruleId) == ["X01"] && alerts.first?.latched == true && alerts.first?.priority == .high)
        #expect(try await store.verifyAudit().ok)
    }

    @Test("X01 works both ways, and a clinician's stop order stops only its own session")
    func x01Directions() async throws {
        let store = try StoreFixtures.store()
        let lidocaine = try await store.startSession(Self.startRequest(), ruleSet: Self.ruleSet, actor: Self.nurse, now: Self.start)
        let ketamine = try await store.startSession(Self.startRequest(.ketamine, rate: 0.2), ruleSet: Self.ruleSet, actor: Self.nurse, now: Self.start)
        // A ketamine pause is not a stop: nothing happens to lidocaine.
        _ = try await observe(store, ketamine, at: 10, symptoms: [.hallucinations])
        #expect(try await session(store, lidocaine.id).state == .running)
        // A clinician's stop of the ketamine order: lidocaine runs on.
        _ = try await store.recordAction(sessionId: ketamine.id, request: ActionRequest(action: .stop, by: "clin-017", reason: "no benefit"),
                                         ruleSet: Self.ruleSet, actor: Self.nurse, now: Self.at(20))
        #expect(try await session(store, lidocaine.id).state == .running)
        #expect(try await store.events(sessionId: lidocaine.id).events.map(\.kind) == [.start])

        // A rule's stop of lidocaine with a second ketamine order running: that one stops.
        let second = try await store.startSession(Self.startRequest(.ketamine, rate: 0.2), ruleSet: Self.ruleSet, actor: Self.nurse, now: Self.at(25))
        _ = try await observe(store, lidocaine, at: 30, symptoms: [.seizure])
        #expect(try await session(store, second.id).state == .stopped)
        // The earlier, clinician-stopped ketamine session was not evaluated again.
        #expect(try await store.events(sessionId: ketamine.id).events.map(\.kind) == [.start, .observation, .action])
    }

    // MARK: L16 at the cap, from the clock

    @Test("L16: the clock stops delivery when the session reaches 500 mg, once, and X01 follows")
    func doseCapFromTheClock() async throws {
        let store = try StoreFixtures.store()
        // 100 kg at 1 mg/kg/h = 100 mg/h: 500 mg at 300 min.
        let lidocaine = try await store.startSession(Self.startRequest(weightKg: 100), ruleSet: Self.ruleSet, actor: Self.nurse, now: Self.start)
        let ketamine = try await store.startSession(Self.startRequest(.ketamine, weightKg: 100, rate: 0.2), ruleSet: Self.ruleSet,
                                                    actor: Self.nurse, now: Self.start)
        #expect(try await store.recordClockCheck(sessionId: lidocaine.id, ruleSet: Self.ruleSet, now: Self.at(299)) == nil)
        #expect(try await store.deliveringSessionIds().count == 2)

        let response = try #require(try await store.recordClockCheck(sessionId: lidocaine.id, ruleSet: Self.ruleSet, now: Self.at(300)))
        #expect(response.event.kind == .system)
        #expect(response.decisions.map(\.ruleId) == ["L16"])
        #expect(response.decisions.first?.inputs["deliveredMg"] == 500)
        #expect(response.session.state == .stopped)
        #expect(response.alerts.map(\.priority) == [.medium])

        // Delivery ended at the stop: the view shows 500 mg however late it is read.
        let detail = try await store.sessionDetail(id: lidocaine.id, ruleSet: Self.ruleSet, now: Self.at(400))
        #expect(detail.delivered?.mg == 500 && detail.delivered?.mgPerKg == 5)
        #expect(detail.prediction?.steadyStateUgPerMl == nil)
        // Nothing more to do on the next tick, and the ketamine session was stopped with it (X01).
        #expect(try await store.recordClockCheck(sessionId: lidocaine.id, ruleSet: Self.ruleSet, now: Self.at(301)) == nil)
        #expect(try await session(store, ketamine.id).state == .stopped)
        #expect(try await store.deliveringSessionIds().isEmpty)
    }

    @Test("L16 also stops on the observation that finds the cap reached")
    func doseCapOnObservation() async throws {
        let store = try StoreFixtures.store()
        let lidocaine = try await store.startSession(Self.startRequest(weightKg: 100), ruleSet: Self.ruleSet, actor: Self.nurse, now: Self.start)
        let early = try await observe(store, lidocaine, at: 290, vitals: Vitals(heartRateBpm: 70))
        #expect(early.decisions.isEmpty)
        let late = try await observe(store, lidocaine, at: 305, vitals: Vitals(heartRateBpm: 70))
        #expect(late.decisions.map(\.ruleId) == ["L16"] && late.session.state == .stopped)
    }

    @Test("L17: the clock asks for review after 24 h once, not on every tick")
    func durationReviewOnce() async throws {
        let store = try StoreFixtures.store()
        let lidocaine = try await store.startSession(Self.startRequest(rate: 0.1), ruleSet: Self.ruleSet, actor: Self.nurse, now: Self.start)
        #expect(try await store.recordClockCheck(sessionId: lidocaine.id, ruleSet: Self.ruleSet, now: Self.at(24 * 60)) == nil)
        let review = try #require(try await store.recordClockCheck(sessionId: lidocaine.id, ruleSet: Self.ruleSet, now: Self.at(24 * 60 + 1)))
        #expect(review.decisions.map(\.ruleId) == ["L17"] && review.session.state == .running)
        #expect(try await store.recordClockCheck(sessionId: lidocaine.id, ruleSet: Self.ruleSet, now: Self.at(24 * 60 + 2)) == nil)
        #expect(try await store.events(sessionId: lidocaine.id).events.count == 2)
    }

    // MARK: Trends and confirmation through the stored history

    @Test("L11 reads the stored history: tinnitus, pause, resume, tinnitus again stops")
    func recurrenceThroughTheStore() async throws {
        let store = try StoreFixtures.store()
        let lidocaine = try await store.startSession(Self.startRequest(), ruleSet: Self.ruleSet, actor: Self.nurse, now: Self.start)
        let first = try await observe(store, lidocaine, at: 30, symptoms: [.tinnitus])
        #expect(first.decisions.map(\.ruleId) == ["L10"] && first.session.state == .paused)
        _ = try await store.recordAction(sessionId: lidocaine.id, request: ActionRequest(action: .resume, by: "clin-017", reason: "settled"),
                                         ruleSet: Self.ruleSet, actor: Self.nurse, now: Self.at(40))
        // Unrelated observations in between are not loaded but change nothing.
        _ = try await observe(store, lidocaine, at: 45, vitals: Vitals(heartRateBpm: 70))
        let again = try await observe(store, lidocaine, at: 50, symptoms: [.metallicTaste])
        #expect(again.decisions.map(\.ruleId) == ["L10", "L11"] && again.session.state == .stopped)
    }

    @Test("L11 persisting after the pause: 15 min is not yet, 16 min stops")
    func persistenceThroughTheStore() async throws {
        let store = try StoreFixtures.store()
        let lidocaine = try await store.startSession(Self.startRequest(), ruleSet: Self.ruleSet, actor: Self.nurse, now: Self.start)
        _ = try await observe(store, lidocaine, at: 30, symptoms: [.tinnitus])
        #expect(try await observe(store, lidocaine, at: 45, symptoms: [.tinnitus]).decisions.map(\.ruleId) == ["L10"])
        #expect(try await observe(store, lidocaine, at: 46, symptoms: [.tinnitus]).decisions.map(\.ruleId) == ["L10", "L11"])
    }

    @Test("A monitor reading waits for its repeat: the first raises the alert, the repeat within 2 min pauses")
    func confirmationThroughTheStore() async throws {
        let store = try StoreFixtures.store()
        let lidocaine = try await store.startSession(Self.startRequest(), ruleSet: Self.ruleSet, actor: Self.nurse, now: Self.start)
        let first = try await observe(store, lidocaine, at: 30, vitals: Vitals(spo2Percent: 90), feedId: "monitor-3")
        #expect(first.decisions.map(\.action) == [.alert] && first.session.state == .running)
        #expect(first.alerts.map(\.priority) == [.high])
        let repeated = try await observe(store, lidocaine, at: 31, vitals: Vitals(spo2Percent: 89), feedId: "monitor-3")
        #expect(repeated.decisions.map(\.action) == [.pause] && repeated.session.state == .paused)
    }

    // MARK: The session view

    @Test("The session view computes the dose so far and the predicted level with its band from the events")
    func sessionView() async throws {
        let store = try StoreFixtures.store()
        // 70 kg, 1.5 mg/kg over 10 min then 1.5 mg/kg/h: the CLINICAL §4 known-answer regimen (Rowland).
        var request = Self.startRequest(bolus: BolusOrder(doseMgPerKg: 1.5, durationMin: 10), rate: 1.5)
        request.flags = PatientFlags(ageYears: 50)
        let lidocaine = try await store.startSession(request, ruleSet: Self.ruleSet, actor: Self.nurse, now: Self.start)
        #expect(lidocaine.flags == PatientFlags(ageYears: 50))
        let detail = try await store.sessionDetail(id: lidocaine.id, ruleSet: Self.ruleSet, now: Self.at(60))
        let delivered = try #require(detail.delivered)
        #expect(delivered.mg == 192.5 && delivered.mgPerKg == 2.75 && delivered.currentRateMgPerHour == 105)
        let prediction = try #require(detail.prediction)
        #expect(prediction.parameterSet == .rowland)
        #expect(abs(prediction.concentrationUgPerMl - 1.38) <= 0.02)
        #expect(abs(prediction.upperBandUgPerMl - 2 * prediction.concentrationUgPerMl) <= 0.001)
        #expect(prediction.steadyStateUgPerMl.map { abs($0 - 2.00) <= 0.02 } == true)
        // Without a rule set the view is as before.
        #expect(try await store.sessionDetail(id: lidocaine.id).delivered == nil)
    }

    @Test("The loaded history is the full history minus observations no rule can read")
    func historyIsComplete() async throws {
        let store = try StoreFixtures.store()
        let lidocaine = try await store.startSession(Self.startRequest(), ruleSet: Self.ruleSet, actor: Self.nurse, now: Self.start)
        _ = try await observe(store, lidocaine, at: 10, vitals: Vitals(heartRateBpm: 70))
        _ = try await observe(store, lidocaine, at: 20, symptoms: [.tinnitus])
        _ = try await store.recordAction(sessionId: lidocaine.id, request: ActionRequest(action: .resume, by: "clin-017", reason: "ok"),
                                         ruleSet: Self.ruleSet, actor: Self.nurse, now: Self.at(25))
        let (_, history) = try await store.ruleSnapshot(sessionId: lidocaine.id)
        #expect(history.entries.map(\.sequence) == [1, 3, 4])
        #expect(history.entries.map(\.stateAfter) == [.running, .paused, .running])
        let (_, everything) = try await store.ruleSnapshot(sessionId: lidocaine.id, observedSince: Self.start)
        #expect(everything.entries.map(\.sequence) == [1, 2, 3, 4])
        let (_, before) = try await store.ruleSnapshot(sessionId: lidocaine.id, beforeSequence: 3)
        #expect(before.entries.map(\.sequence) == [1])
    }

    @Test("A negative symptom checklist is not history: L11 still finds the tinnitus from before the resume")
    func negativeChecklistsLeftOut() async throws {
        let store = try StoreFixtures.store()
        let lidocaine = try await store.startSession(Self.startRequest(), ruleSet: Self.ruleSet, actor: Self.nurse, now: Self.start)
        _ = try await observe(store, lidocaine, at: 20, symptoms: [.tinnitus])
        _ = try await observe(store, lidocaine, at: 22, symptoms: [])
        _ = try await store.recordAction(sessionId: lidocaine.id, request: ActionRequest(action: .resume, by: "clin-017", reason: "ok"),
                                         ruleSet: Self.ruleSet, actor: Self.nurse, now: Self.at(25))
        _ = try await observe(store, lidocaine, at: 30, symptoms: [])
        let (_, history) = try await store.ruleSnapshot(sessionId: lidocaine.id)
        #expect(history.entries.map(\.sequence) == [1, 2, 4])
        let recurred = try await observe(store, lidocaine, at: 35, symptoms: [.tinnitus])
        #expect(recurred.decisions.map(\.ruleId).contains("L11") && recurred.session.state == .stopped)
    }

    @Test("Confirmation reads the window's plain readings: a repeat after a normal reading in between still pauses")
    func confirmationAcrossPlainReadings() async throws {
        let store = try StoreFixtures.store()
        let lidocaine = try await store.startSession(Self.startRequest(), ruleSet: Self.ruleSet, actor: Self.nurse, now: Self.start)
        _ = try await observe(store, lidocaine, at: 30, vitals: Vitals(spo2Percent: 90), feedId: "monitor-3")
        _ = try await observe(store, lidocaine, at: 30.5, vitals: Vitals(spo2Percent: 97), feedId: "monitor-3")
        let repeated = try await observe(store, lidocaine, at: 31, vitals: Vitals(spo2Percent: 89), feedId: "monitor-3")
        #expect(repeated.decisions.map(\.action) == [.pause] && repeated.session.state == .paused)
    }
}
