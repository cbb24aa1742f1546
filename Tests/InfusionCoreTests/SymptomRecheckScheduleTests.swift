import Foundation
import InfusionCore
import Testing

/// The stage-1 recheck (CLINICAL §2 stage 1 and §6 L10: recheck every 5 min for 15 min) on the observation
/// schedule: the next set falls 5 min after each observation within 15 min of the latest stage-1 symptom, then the
/// phase interval applies again, and L20 counts from those times.
@Suite("Symptom recheck schedule (CLINICAL §2 stage 1, L10, L20)")
struct SymptomRecheckScheduleTests {
    static let spec = ScheduleSpec.standard(for: .lidocaine)

    /// A session started at the fixture's start with the observations given as (minutes, symptoms).
    static func history(drug: Drug = .lidocaine, _ observations: [(Double, [Symptom])]) -> ScheduleHistory {
        var history = ObservationScheduleTests.history(drug: drug)
        for (minutes, symptoms) in observations {
            history.record(ObservationScheduleTests.observation(atMinutes: minutes, symptoms: symptoms))
        }
        return history
    }

    struct Case: Sendable, CustomTestStringConvertible {
        var observations: [(Double, [Symptom])]
        var dueMinutes: Double
        var testDescription: String {
            observations.map { "\($0.0)\($0.1.isEmpty ? "" : "+" + $0.1.map(\.rawValue).joined(separator: "+"))" }.joined(separator: ", ")
                + " → due \(dueMinutes)"
        }
    }

    @Test("next set 5 min after each observation until 15 min after the latest stage-1 symptom, then the phase interval",
          arguments: [
              // Loading (every 15 min) with tinnitus at 20: rechecks at 25, 30 and 35, then 15-minute sets again.
              Case(observations: [(20, [.tinnitus])], dueMinutes: 25),
              Case(observations: [(20, [.tinnitus]), (25, [])], dueMinutes: 30),
              Case(observations: [(20, [.tinnitus]), (25, []), (30, [])], dueMinutes: 35),
              Case(observations: [(20, [.tinnitus]), (25, []), (34.99, [])], dueMinutes: 39.99),
              Case(observations: [(20, [.tinnitus]), (25, []), (30, []), (35, [])], dueMinutes: 50),
              // A symptom still present at a recheck restarts the 15 minutes from that set.
              Case(observations: [(20, [.tinnitus]), (25, [.tinnitus]), (35, [])], dueMinutes: 40),
              Case(observations: [(20, [.tinnitus]), (25, [.tinnitus]), (40, [])], dueMinutes: 55),
              // Each stage-1 symptom starts it; other symptoms do not.
              Case(observations: [(20, [.perioralNumbness])], dueMinutes: 25),
              Case(observations: [(20, [.metallicTaste])], dueMinutes: 25),
              Case(observations: [(20, [.lightheadedness])], dueMinutes: 25),
              Case(observations: [(20, [.dizziness])], dueMinutes: 25),
              Case(observations: [(20, [.headache, .nausea])], dueMinutes: 35),
              Case(observations: [(20, [])], dueMinutes: 35),
              // Maintenance (hourly): rechecks at 125, 130, 135, then hourly from 135.
              Case(observations: [(120, [.tinnitus])], dueMinutes: 125),
              Case(observations: [(120, [.tinnitus]), (125, []), (130, [])], dueMinutes: 135),
              Case(observations: [(120, [.tinnitus]), (125, []), (130, []), (135, [])], dueMinutes: 195),
          ])
    func nextDue(_ item: Case) {
        let history = Self.history(item.observations)
        #expect(ObservationSchedule.nextDue(history: history, spec: Self.spec) == ObservationScheduleTests.at(minutes: item.dueMinutes))
    }

    @Test("the status names the recheck phase and its 5-minute interval, and only inside the window", arguments: [
        (20.0, SchedulePhase.symptomRecheck, 300.0), (34.99, .symptomRecheck, 300), (35, .loading, 900),
        (140, .maintenance, 3600),
    ])
    func phase(nowMinutes: Double, phase: SchedulePhase, interval: Double) {
        let history = Self.history([(20, [.tinnitus])])
        let status = ObservationSchedule.status(history: history, spec: Self.spec, now: ObservationScheduleTests.at(minutes: nowMinutes))
        #expect(status.phase == phase && status.intervalSeconds == interval)
    }

    @Test("L20: a missed recheck after a stage-1 symptom at 20 min is late from 25 min: low after 30, medium after 40, pause after 55",
          arguments: [
              (30.0, 0.0, nil), (30, 1, (DecisionAction.alert, AlertPriority.low)), (40, 0, (.alert, .low)),
              (40, 1, (.alert, .medium)), (55, 0, (.alert, .medium)), (55, 1, (.pause, .high)),
          ] as [(Double, Double, (DecisionAction, AlertPriority)?)])
    func overdue(nowMinutes: Double, plusMs: Double, expected: (DecisionAction, AlertPriority)?) {
        let history = Self.history([(20, [.tinnitus])])
        let decision = ScheduleRules.overdue(history: history, spec: Self.spec, now: ScheduleRulesTests.at(minutes: nowMinutes, plusMs: plusMs))
        #expect(decision.map { "\($0.action) \($0.priority)" } == expected.map { "\($0.0) \($0.1)" })
        if decision != nil {
            #expect(decision?.inputs["dueAt"] == .string(WireJSON.formatTimestamp(ObservationScheduleTests.at(minutes: 25))))
            #expect(decision?.inputs["phase"] == "symptomRecheck")
        }
    }

    @Test("after the end a stage-1 symptom is rechecked every 5 min inside the post-infusion window")
    func postInfusion() {
        var history = Self.history([(170, [])])
        history.apply(ActionRequest(action: .end, by: "dr"), at: ObservationScheduleTests.at(minutes: 180))
        history.record(ObservationScheduleTests.observation(atMinutes: 190, symptoms: [.tinnitus]))
        #expect(ObservationSchedule.nextDue(history: history, spec: Self.spec) == ObservationScheduleTests.at(minutes: 195))
        #expect(ObservationSchedule.phase(at: ObservationScheduleTests.at(minutes: 190), history: history, spec: Self.spec).phase == .symptomRecheck)
        #expect(ObservationSchedule.phase(at: ObservationScheduleTests.at(minutes: 205), history: history, spec: Self.spec).phase == .postInfusion)
    }

    @Test("ketamine has no stage-1 recheck: a tinnitus set keeps the 15-minute loading interval")
    func ketamine() {
        let history = Self.history(drug: .ketamine, [(20, [.tinnitus])])
        #expect(ObservationSchedule.nextDue(history: history, spec: .standard(for: .ketamine)) == ObservationScheduleTests.at(minutes: 35))
    }

    @Test("the shipped lidocaine profile rechecks every 5 min for 15 min after exactly the symptoms L10 acts on")
    func shippedProfile() throws {
        let profile = try ProfileFixture.lidocaine()
        let recheck = try #require(profile.resolvedSchedule.symptomRecheck)
        #expect(recheck.every == .minutes(5) && recheck.duration == .minutes(15))
        let l10 = try #require(profile.rules.first { $0.id == "L10" })
        #expect(Set(recheck.symptomsAny) == Set(l10.anyOf.compactMap(\.symptomsAny).flatMap { $0 }))
        #expect(profile.resolvedSchedule.problem == nil)
    }

    @Test("a recheck with no interval, no window or no symptoms is refused", arguments: ["every", "for", "symptomsAny"])
    func unsound(field: String) {
        var spec = Self.spec
        switch field {
        case "every": spec.symptomRecheck?.every = ProfileDuration(seconds: 0)
        case "for": spec.symptomRecheck?.duration = ProfileDuration(seconds: 0)
        default: spec.symptomRecheck?.symptomsAny = []
        }
        #expect(spec.problem?.contains("symptomRecheck") == true)
    }
}
