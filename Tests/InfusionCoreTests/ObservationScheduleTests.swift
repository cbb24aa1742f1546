import Foundation
import InfusionCore
import Testing

/// The observation schedule of CLINICAL §3 as the pure functions compute it, and the durations profiles write.
@Suite("Observation schedule (CLINICAL §3)")
struct ObservationScheduleTests {
    static let start = SessionFixture.now
    static let lidocaine = ScheduleSpec.standard(for: .lidocaine)
    static let ketamine = ScheduleSpec.standard(for: .ketamine)

    /// A history that started at `start` with an optional bolus of `bolusMin` minutes.
    static func history(drug: Drug = .lidocaine, bolusMin: Double? = 20, rate: Double? = 1) -> ScheduleHistory {
        var history = ScheduleHistory(sessionId: UUID(), drug: drug, startedAt: start)
        if let bolusMin { history.boluses.append(.init(startedAt: start, duration: bolusMin * 60)) }
        history.currentRateMgPerKgPerHour = rate
        return history
    }

    static func at(minutes: Double) -> Date { start.addingTimeInterval(minutes * 60) }

    static func observation(atMinutes minutes: Double, symptoms: [Symptom]? = nil, feed: String? = nil) -> ObservationRequest {
        var request = ObservationRequest(observedAt: at(minutes: minutes), recordedBy: "rn.bo", vitals: Vitals(heartRateBpm: 70), symptoms: symptoms)
        request.feedId = feed
        return request
    }

    @Test("durations need a unit", arguments: [
        ("15m", 900.0), ("90s", 90), ("1h", 3600), ("1h30m", 5400), ("2.5s", 2.5), ("0s", 0), ("10m5s", 605),
    ])
    func durationsParse(text: String, seconds: Double) throws {
        let parsed = try #require(ProfileDuration(parsing: text))
        #expect(parsed.seconds == seconds)
        #expect(ProfileDuration(parsing: parsed.description)?.seconds == seconds)
    }

    @Test("a number without a unit, an unknown unit or garbage is refused", arguments: ["15", "", "m", "15 min", "1d", "-5m", "1h30", "5m!"])
    func durationsRefused(text: String) {
        #expect(ProfileDuration(parsing: text) == nil)
    }

    @Test("a bare number in a profile is a decoding error that asks for the unit")
    func durationDecodingError() throws {
        let data = Data(#"{"every": 15, "for": "1h"}"#.utf8)
        #expect { try JSONDecoder().decode(ScheduleSpec.Step.self, from: data) } throws: { error in
            "\(error)".contains("needs its unit")
        }
    }

    /// (minutes from start, expected phase, expected interval in minutes) for a 20-minute bolus and a rate.
    @Test("lidocaine phases: loading hour, maintenance", arguments: [
        (0.0, SchedulePhase.loading, 15.0), (59.99, .loading, 15), (60, .maintenance, 60), (300, .maintenance, 60),
    ])
    func lidocainePhases(minutes: Double, phase: SchedulePhase, every: Double) {
        let result = ObservationSchedule.phase(at: Self.at(minutes: minutes), history: Self.history(), spec: Self.lidocaine)
        #expect(result.phase == phase)
        #expect(result.every == every * 60)
    }

    @Test("a bolus faster than 10 min is watched every 5 min while it runs; a 10-min bolus is not", arguments: [
        (9.99, 9.98, SchedulePhase.fastBolus, 5.0), (9.99, 9.99, .loading, 15), (10, 4.99, .loading, 15),
    ])
    func fastBolus(bolusMin: Double, minutes: Double, phase: SchedulePhase, every: Double) {
        let result = ObservationSchedule.phase(at: Self.at(minutes: minutes), history: Self.history(bolusMin: bolusMin), spec: Self.lidocaine)
        #expect(result.phase == phase)
        #expect(result.every == every * 60)
    }

    @Test("ketamine: every 15 min for 1 h, every 30 min for 2 h, then hourly", arguments: [
        (59.99, SchedulePhase.loading, 15.0), (60, .early, 30), (179.99, .early, 30), (180, .maintenance, 60),
    ])
    func ketaminePhases(minutes: Double, phase: SchedulePhase, every: Double) {
        let result = ObservationSchedule.phase(at: Self.at(minutes: minutes), history: Self.history(drug: .ketamine), spec: Self.ketamine)
        #expect(result.phase == phase)
        #expect(result.every == every * 60)
    }

    @Test("a rate increase or a bolus brings back 15-minute observations for an hour; a decrease does not")
    func doseIncreases() {
        var history = Self.history()
        history.apply(ActionRequest(action: .rateChange, by: "dr", infusion: InfusionOrder(rateMgPerKgPerHour: 0.5)), at: Self.at(minutes: 100))
        #expect(history.doseIncreases.isEmpty)
        history.apply(ActionRequest(action: .rateChange, by: "dr", infusion: InfusionOrder(rateMgPerKgPerHour: 1.5)), at: Self.at(minutes: 120))
        #expect(history.doseIncreases == [Self.at(minutes: 120)])
        #expect(ObservationSchedule.phase(at: Self.at(minutes: 119.99), history: history, spec: Self.lidocaine).phase == .maintenance)
        #expect(ObservationSchedule.phase(at: Self.at(minutes: 120), history: history, spec: Self.lidocaine).phase == .doseIncrease)
        #expect(ObservationSchedule.phase(at: Self.at(minutes: 179.99), history: history, spec: Self.lidocaine).phase == .doseIncrease)
        #expect(ObservationSchedule.phase(at: Self.at(minutes: 180), history: history, spec: Self.lidocaine).phase == .maintenance)
        history.apply(ActionRequest(action: .bolus, by: "dr", bolus: BolusOrder(doseMgPerKg: 1, durationMin: 20)), at: Self.at(minutes: 300))
        #expect(ObservationSchedule.phase(at: Self.at(minutes: 301), history: history, spec: Self.lidocaine).phase == .doseIncrease)
    }

    @Test("the next set is due one interval after the last; the start's baseline counts as the first")
    func nextDue() {
        var history = Self.history()
        #expect(ObservationSchedule.nextDue(history: history, spec: Self.lidocaine) == Self.at(minutes: 15))
        history.record(Self.observation(atMinutes: 50))
        #expect(ObservationSchedule.nextDue(history: history, spec: Self.lidocaine) == Self.at(minutes: 65))
        history.record(Self.observation(atMinutes: 65))
        #expect(ObservationSchedule.nextDue(history: history, spec: Self.lidocaine) == Self.at(minutes: 125))
        // An older observation posted late does not move the schedule back.
        history.record(Self.observation(atMinutes: 30))
        #expect(ObservationSchedule.nextDue(history: history, spec: Self.lidocaine) == Self.at(minutes: 125))
        // A rate increase before the next set brings it forward to 15 min after the increase.
        history.apply(ActionRequest(action: .rateChange, by: "dr", infusion: InfusionOrder(rateMgPerKgPerHour: 1.5)), at: Self.at(minutes: 90))
        #expect(ObservationSchedule.nextDue(history: history, spec: Self.lidocaine) == Self.at(minutes: 105))
    }

    @Test("after the end: every 15 min for 30 min, 60 min if a symptom occurred; then nothing is due")
    func postInfusion() throws {
        var history = Self.history()
        history.record(Self.observation(atMinutes: 170))
        history.apply(ActionRequest(action: .end, by: "dr"), at: Self.at(minutes: 180))
        #expect(ObservationSchedule.postInfusionWindowEnd(history: history, spec: Self.lidocaine) == Self.at(minutes: 210))
        #expect(ObservationSchedule.nextDue(history: history, spec: Self.lidocaine) == Self.at(minutes: 195))
        history.record(Self.observation(atMinutes: 195))
        #expect(ObservationSchedule.nextDue(history: history, spec: Self.lidocaine) == Self.at(minutes: 210))
        history.record(Self.observation(atMinutes: 210))
        #expect(ObservationSchedule.nextDue(history: history, spec: Self.lidocaine) == nil)
        #expect(ObservationSchedule.phase(at: Self.at(minutes: 210), history: history, spec: Self.lidocaine).phase == .complete)

        history.record(Self.observation(atMinutes: 211, symptoms: [.headache]))
        #expect(ObservationSchedule.postInfusionWindowEnd(history: history, spec: Self.lidocaine) == Self.at(minutes: 240))
        #expect(ObservationSchedule.nextDue(history: history, spec: Self.lidocaine) == Self.at(minutes: 226))
    }

    @Test("a rule's stop ends delivery like an ordered end; closing ends the schedule")
    func stopsAndClose() {
        var history = Self.history()
        let event = ClinicalEvent(id: UUID(), sessionId: history.sessionId, sequence: 2, kind: .observation, recordedAt: Self.at(minutes: 40),
                                  occurredAt: Self.at(minutes: 40), recordedBy: "rn", body: ["observedAt": "x"])
        history.apply(event, decisions: [Decision(ruleId: "L11", action: .stop, priority: .high, reason: "stop")])
        #expect(history.deliveryEndedAt == Self.at(minutes: 40))
        #expect(ObservationSchedule.phase(at: Self.at(minutes: 41), history: history, spec: Self.lidocaine).phase == .postInfusion)
        history.apply(ActionRequest(action: .close, by: "dr", override: Override(by: "dr", reason: "r")), at: Self.at(minutes: 50))
        #expect(ObservationSchedule.nextDue(history: history, spec: Self.lidocaine) == nil)
        #expect(ObservationSchedule.status(history: history, spec: Self.lidocaine, now: Self.at(minutes: 60)).phase == .closed)
    }

    @Test("the status says how late the next set is, only once it is late")
    func status() {
        let history = Self.history()
        let onTime = ObservationSchedule.status(history: history, spec: Self.lidocaine, now: Self.at(minutes: 15))
        #expect(onTime.nextDueAt == Self.at(minutes: 15) && onTime.overdueSeconds == nil && onTime.intervalSeconds == 900)
        let late = ObservationSchedule.status(history: history, spec: Self.lidocaine, now: Self.at(minutes: 22))
        #expect(late.overdueSeconds == 420)
    }

    @Test("an interval of zero is refused, naming it", arguments: ["maintenanceEvery", "afterEnd.every", "afterStart[0].every", "staleFeedAfter"])
    func zeroInterval(name: String) {
        var spec = Self.lidocaine
        #expect(spec.problem == nil)
        switch name {
        case "maintenanceEvery": spec.maintenanceEvery = ProfileDuration(seconds: 0)
        case "afterEnd.every": spec.afterEnd.every = ProfileDuration(seconds: 0)
        case "afterStart[0].every": spec.afterStart[0].every = ProfileDuration(seconds: 0)
        default: spec.staleFeedAfter = ProfileDuration(seconds: 0)
        }
        #expect(spec.problem == "schedule.\(name) must be longer than 0 s")
    }

    @Test("overdue limits out of order and a symptom window shorter than the plain one are refused")
    func unsoundLimits() {
        var spec = Self.lidocaine
        spec.overdue.mediumAfter = .minutes(5)
        #expect(spec.problem?.contains("lowAfter < mediumAfter < pauseDuringLoadingAfter") == true)
        spec = Self.lidocaine
        spec.afterEnd.durationWithSymptoms = .minutes(29)
        #expect(spec.problem?.contains("forWithSymptoms") == true)
        spec = Self.lidocaine
        spec.afterStart = []
        #expect(spec.problem?.contains("afterStart") == true)
    }
}
