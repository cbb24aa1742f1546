import Foundation
import InfusionCore
import Testing

/// The rules that read the session's history with the shipped lidocaine profile (CLINICAL §6): L11 trends, L14 on
/// the predicted-level band, L16 cumulative dose, L17 duration, X01, and artefact confirmation of monitor readings,
/// each at its threshold and just beyond it.
@Suite("History rules (shipped lidocaine profile)")
struct ClinicalModelRuleTests {
    static func evaluate(_ context: RuleContext) throws -> [ExpectedDecision] {
        try RuleEngine.evaluate(ProfileFixture.lidocaine().rules, context: context).map(ExpectedDecision.init)
    }

    static func decisions(_ context: RuleContext) throws -> [Decision] {
        try RuleEngine.evaluate(ProfileFixture.lidocaine().rules, context: context)
    }

    // MARK: L16 cumulative dose

    /// 100 kg at 1 mg/kg/h: 100 mg/h, so 500 mg at 300 min; the mg/kg cap (750 mg) does not bind.
    @Test("L16 stops when the session reaches 500 mg", arguments: [
        (299.0, false), (299.99, false), (300.0, true), (301.0, true),
    ])
    func l16Milligrams(minute: Double, fires: Bool) throws {
        let timeline = TimelineFixture(weightKg: 100, infusion: InfusionOrder(rateMgPerKgPerHour: 1))
        let decisions = try Self.decisions(timeline.context(at: minute))
        let l16 = decisions.first { $0.ruleId == "L16" }
        #expect((l16 != nil) == fires, "at \(minute) min delivered \(timeline.plan.delivered(at: TimelineFixture.at(minute)).mg) mg")
        if let l16 {
            #expect(l16.action == .stop && l16.priority == .medium)
            #expect(l16.thresholds["deliveredMg"] == ["atLeast": 500])
        }
    }

    /// 60 kg at 1 mg/kg/h: 7.5 mg/kg (450 mg) at 450 min, before 500 mg.
    @Test("L16 stops when the session reaches 7.5 mg/kg", arguments: [(449.0, false), (450.0, true)])
    func l16PerKg(minute: Double, fires: Bool) throws {
        let timeline = TimelineFixture(weightKg: 60, infusion: InfusionOrder(rateMgPerKgPerHour: 1))
        let l16 = try Self.decisions(timeline.context(at: minute)).first { $0.ruleId == "L16" }
        #expect((l16 != nil) == fires)
        if let l16 { #expect(l16.inputs["deliveredMgPerKg"] == 7.5) }
    }

    @Test("L16 no longer applies once delivery has stopped or ended", arguments: [SessionState.stopped, .ended])
    func l16AfterStop(_ state: SessionState) throws {
        var timeline = TimelineFixture(weightKg: 100, infusion: InfusionOrder(rateMgPerKgPerHour: 1))
        timeline.act(state == .stopped ? .stop : .end, at: 301, state: state)
        #expect(try Self.evaluate(timeline.context(at: 400)).isEmpty)
    }

    @Test("L16 counts while paused (the dose already given stays given)")
    func l16WhilePaused() throws {
        var timeline = TimelineFixture(weightKg: 100, infusion: InfusionOrder(rateMgPerKgPerHour: 1))
        timeline.act(.pause, at: 300, state: .paused)
        #expect(try Self.evaluate(timeline.context(at: 320)).contains(ExpectedDecision("L16", .stop, .medium)))
    }

    // MARK: L17 duration

    @Test("L17 asks for review once the infusion has run more than 24 h", arguments: [
        (24 * 60.0, false), (24 * 60 + 0.6, true),
    ])
    func l17(minute: Double, fires: Bool) throws {
        // 0.1 mg/kg/h at 70 kg stays far below the dose cap for days.
        let timeline = TimelineFixture(infusion: InfusionOrder(rateMgPerKgPerHour: 0.1))
        let decisions = try Self.evaluate(timeline.context(at: minute))
        #expect(decisions == (fires ? [ExpectedDecision("L17", .review, .low)] : []))
    }

    // MARK: L14 predicted level

    /// Vozeh (no heart failure) at 100 kg: clearance 58 L/h, so the steady state's ×2 band is R / 29 (R in mg/h).
    static let vozeh = PharmacokineticsSettings(defaultSet: .vozeh, upperBandFactor: 2)

    @Test("L14 on the steady state's band: review above 5 µg/mL, pause above 8", arguments: [
        (1.45, [ExpectedDecision]()),                                   // band 5.000
        (1.46, [ExpectedDecision("L14", .review, .medium)]),            // band 5.034
        (2.32, [ExpectedDecision("L14", .review, .medium)]),            // band 8.000
        (2.33, [ExpectedDecision("L14", .pause, .high)]),               // band 8.034
    ])
    func l14SteadyState(rate: Double, expected: [ExpectedDecision]) throws {
        let timeline = TimelineFixture(weightKg: 100, infusion: InfusionOrder(rateMgPerKgPerHour: rate))
        let context = timeline.context(at: 1, pharmacokinetics: Self.vozeh)
        #expect(try Self.evaluate(context) == expected, "band \(context.prediction?.steadyStateUpperBandUgPerMl ?? -1)")
        if let decision = try Self.decisions(context).first {
            #expect(decision.inputs["predictedUpperSteadyStateUgPerMl"] != nil)
            #expect(decision.inputs["pkModel"] == "vozeh")
        }
    }

    @Test("L14 limit is 4 µg/mL with an L19 flag: heart failure, hepatic impairment, age over 70, weight under 40 kg",
          arguments: [
            // (weight, rate mg/kg/h, flags, expected)
            (100.0, 1.16, PatientFlags(ageYears: 71), [ExpectedDecision]()),                      // band 4.000
            (100.0, 1.17, PatientFlags(ageYears: 71), [ExpectedDecision("L14", .review, .medium)]), // band 4.034
            (100.0, 1.17, PatientFlags(ageYears: 70), [ExpectedDecision]()),
            (39.0, 1.17, PatientFlags(), [ExpectedDecision("L14", .review, .medium)]),
            (40.0, 1.17, PatientFlags(), [ExpectedDecision]()),
            (100.0, 1.17, PatientFlags(conditions: [.heartFailure]), [ExpectedDecision("L14", .review, .medium)]),
            (100.0, 1.17, PatientFlags(conditions: [.renalImpairment]), [ExpectedDecision]()),
          ])
    func l14Flags(weightKg: Double, rate: Double, flags: PatientFlags, expected: [ExpectedDecision]) throws {
        let timeline = TimelineFixture(weightKg: weightKg, infusion: InfusionOrder(rateMgPerKgPerHour: rate), flags: flags)
        // Vozeh for everyone here (heart failure would otherwise switch the set), so only the limit changes.
        #expect(try Self.evaluate(timeline.context(at: 1, pharmacokinetics: Self.vozeh)) == expected)
    }

    @Test("Hepatic impairment lowers the limit and, by halving k10, doubles the steady state")
    func l14Hepatic() throws {
        // 0.6 mg/kg/h at 100 kg under Vozeh: band 60/29 = 2.07 without, 4.14 with k10 halved.
        let plain = TimelineFixture(weightKg: 100, infusion: InfusionOrder(rateMgPerKgPerHour: 0.6))
        let settings = PharmacokineticsSettings(defaultSet: .vozeh, hepaticImpairmentK10Factor: 0.5, upperBandFactor: 2)
        #expect(try Self.evaluate(plain.context(at: 1, pharmacokinetics: settings)).isEmpty)
        let hepatic = TimelineFixture(weightKg: 100, infusion: InfusionOrder(rateMgPerKgPerHour: 0.6),
                                      flags: PatientFlags(conditions: [.hepaticImpairment]))
        #expect(try Self.evaluate(hepatic.context(at: 1, pharmacokinetics: settings)) == [ExpectedDecision("L14", .review, .medium)])
    }

    @Test("L14 on the band now: 5 mg/kg over 30 min at 70 kg (Rowland) crosses 5 then 8 µg/mL during the bolus",
          arguments: [(10.0, [ExpectedDecision]()), (20.0, [ExpectedDecision("L14", .review, .medium)]),
                      (25.0, [ExpectedDecision("L14", .pause, .high)])])
    func l14Now(minute: Double, expected: [ExpectedDecision]) throws {
        let timeline = TimelineFixture(bolus: BolusOrder(doseMgPerKg: 5, durationMin: 30))
        let context = timeline.context(at: minute)
        #expect(try Self.evaluate(context) == expected, "band now \(context.prediction?.upperBandUgPerMl ?? -1)")
        #expect(context.prediction?.steadyStateUgPerMl == 0)
    }

    @Test("L14 uses the heart-failure model the flags choose (Vozeh HF at 1 mg/kg/h, 70 kg: steady state 3.13 µg/mL)")
    func l14HeartFailureModel() throws {
        let timeline = TimelineFixture(infusion: InfusionOrder(rateMgPerKgPerHour: 1), flags: PatientFlags(conditions: [.heartFailure]))
        let context = timeline.context(at: 1, pharmacokinetics: try ProfileFixture.lidocaine().pharmacokinetics)
        #expect(context.prediction?.parameterSet == .vozehHeartFailure)
        #expect(context.prediction?.steadyStateUgPerMl == 3.125)
        #expect(try Self.evaluate(context) == [ExpectedDecision("L14", .review, .medium)])
    }

    // MARK: L11 trends

    static let tinnitus: [Symptom] = [.tinnitus]

    @Test("L11: a stage-1 symptom still present more than 15 min after the pause stops", arguments: [
        (15.0, [ExpectedDecision("L10", .pause, .medium)]),
        (15.0 + 1.0 / 60, [ExpectedDecision("L10", .pause, .medium), ExpectedDecision("L11", .stop, .high)]),
    ])
    func l11Persisting(afterPause minutes: Double, expected: [ExpectedDecision]) throws {
        var timeline = TimelineFixture(infusion: InfusionOrder(rateMgPerKgPerHour: 1))
        timeline.observe(at: 60, state: .paused, symptoms: Self.tinnitus)
        let observation = TimelineFixture.observation(at: 60 + minutes, symptoms: [.dizziness])
        let decisions = try Self.decisions(timeline.context(at: 60 + minutes, observation: observation))
        #expect(decisions.map(ExpectedDecision.init) == expected)
        if let l11 = decisions.first(where: { $0.ruleId == "L11" }) {
            #expect(l11.inputs["pausedMinutes"] == 15.02)
            #expect(l11.guidance == LipidEmulsion.guidance(weightKg: 70))
        }
    }

    @Test("L11 persistence needs the session to be paused and a stage-1 symptom now")
    func l11PersistingNeedsBoth() throws {
        var timeline = TimelineFixture(infusion: InfusionOrder(rateMgPerKgPerHour: 1))
        timeline.observe(at: 60, state: .paused, symptoms: Self.tinnitus)
        // No symptom 20 min later: nothing.
        let quiet = TimelineFixture.observation(at: 80, vitals: Vitals(heartRateBpm: 72))
        #expect(try Self.evaluate(timeline.context(at: 80, observation: quiet)).isEmpty)
        // Headache is not stage 1: L12 only.
        let headache = TimelineFixture.observation(at: 80, symptoms: [.headache])
        #expect(try Self.evaluate(timeline.context(at: 80, observation: headache)) == [ExpectedDecision("L12", .alert, .low)])
    }

    @Test("L11: a stage-1 symptom after a resume stops when one was seen before the resume")
    func l11Recurring() throws {
        var timeline = TimelineFixture(infusion: InfusionOrder(rateMgPerKgPerHour: 1))
        timeline.observe(at: 60, state: .paused, symptoms: Self.tinnitus)
        timeline.act(.resume, at: 70, state: .running, reason: "settled")
        let again = TimelineFixture.observation(at: 90, symptoms: [.metallicTaste])
        let decisions = try Self.decisions(timeline.context(at: 90, observation: again))
        #expect(decisions.map(ExpectedDecision.init) == [ExpectedDecision("L10", .pause, .medium), ExpectedDecision("L11", .stop, .high)])
        #expect(decisions.last?.inputs["symptomsBeforeResume"] == ["tinnitus"])
    }

    @Test("L11 recurrence needs a stage-1 symptom before the resume, not just any pause")
    func l11RecurringNeedsEarlierSymptom() throws {
        var timeline = TimelineFixture(infusion: InfusionOrder(rateMgPerKgPerHour: 1))
        timeline.observe(at: 30, symptoms: [.headache])
        timeline.observe(at: 60, state: .paused, vitals: Vitals(spo2Percent: 90))
        timeline.act(.resume, at: 70, state: .running, reason: "oxygen on")
        let tinnitus = TimelineFixture.observation(at: 90, symptoms: Self.tinnitus)
        #expect(try Self.evaluate(timeline.context(at: 90, observation: tinnitus)) == [ExpectedDecision("L10", .pause, .medium)])
        // A stage-1 symptom seen only after the resume is not a recurrence either.
        timeline.observe(at: 80, symptoms: [.perioralNumbness])
        #expect(try Self.evaluate(timeline.context(at: 90, observation: tinnitus)) == [ExpectedDecision("L10", .pause, .medium)])
    }

    // MARK: X01

    @Test("X01: another session of the patient stopped by a rule stops this one")
    func x01() throws {
        let timeline = TimelineFixture(infusion: InfusionOrder(rateMgPerKgPerHour: 1))
        let stop = SystemEvent(cause: .otherSessionStopped, otherSessionId: UUID(), otherDrug: .ketamine, otherRuleId: "K04")
        let decisions = try Self.decisions(timeline.context(at: 30, otherSessionStop: stop))
        #expect(decisions.map(ExpectedDecision.init) == [ExpectedDecision("X01", .stop, .high)])
        #expect(decisions.first?.inputs["otherRuleId"] == "K04")
        // A clock check is not another session's stop.
        #expect(try Self.evaluate(timeline.context(at: 30, otherSessionStop: SystemEvent(cause: .clock))).isEmpty)
    }

    // MARK: Artefact confirmation

    static let lowSaturation = Vitals(spo2Percent: 91)

    @Test("A single monitor SpO2 of 91 % raises L07's alert and asks for a repeat instead of pausing")
    func unconfirmedMonitorReading() throws {
        let timeline = TimelineFixture(infusion: InfusionOrder(rateMgPerKgPerHour: 1))
        let reading = TimelineFixture.observation(at: 30, vitals: Self.lowSaturation, feedId: "monitor-7")
        let decisions = try Self.decisions(timeline.context(at: 30, observation: reading))
        #expect(decisions.map(ExpectedDecision.init) == [ExpectedDecision("L07", .alert, .high)])
        #expect(decisions.first?.inputs["confirmation"] == "awaitingRepeat")
        #expect(decisions.first?.thresholds["confirmWithinSeconds"] == 120)
        #expect(decisions.first?.reason.contains("repeat the measurement within 120 s") == true)
    }

    @Test("A repeat within 2 minutes confirms the pause; one further apart does not", arguments: [
        (120.0, ExpectedDecision("L07", .pause, .high)), (121.0, ExpectedDecision("L07", .alert, .high)),
    ])
    func confirmedByRepeat(secondsApart: Double, expected: ExpectedDecision) throws {
        var timeline = TimelineFixture(infusion: InfusionOrder(rateMgPerKgPerHour: 1))
        timeline.observe(at: 30, vitals: Self.lowSaturation, feedId: "monitor-7")
        let repeatAt = 30 + secondsApart / 60
        let reading = TimelineFixture.observation(at: repeatAt, vitals: Vitals(spo2Percent: 89), feedId: "monitor-7")
        let decisions = try Self.decisions(timeline.context(at: repeatAt, observation: reading))
        #expect(decisions.map(ExpectedDecision.init) == [expected])
        if expected.action == .pause { #expect(decisions.first?.inputs["confirmedByObservation"] != nil) }
    }

    @Test("An earlier reading in range does not confirm")
    func earlierInRange() throws {
        var timeline = TimelineFixture(infusion: InfusionOrder(rateMgPerKgPerHour: 1))
        timeline.observe(at: 30, vitals: Vitals(spo2Percent: 96), feedId: "monitor-7")
        let reading = TimelineFixture.observation(at: 31, vitals: Self.lowSaturation, feedId: "monitor-7")
        #expect(try Self.evaluate(timeline.context(at: 31, observation: reading)) == [ExpectedDecision("L07", .alert, .high)])
    }

    @Test("Hand-entered readings, symptoms and ECG act at once, even from a monitor feed")
    func noConfirmationWhereNotAllowed() throws {
        let timeline = TimelineFixture(infusion: InfusionOrder(rateMgPerKgPerHour: 1))
        let manual = TimelineFixture.observation(at: 30, vitals: Self.lowSaturation)
        #expect(try Self.evaluate(timeline.context(at: 30, observation: manual)) == [ExpectedDecision("L07", .pause, .high)])
        let symptom = TimelineFixture.observation(at: 30, symptoms: Self.tinnitus, feedId: "monitor-7")
        #expect(try Self.evaluate(timeline.context(at: 30, observation: symptom)) == [ExpectedDecision("L10", .pause, .medium)])
        let ecg = TimelineFixture.observation(at: 30, vitals: Vitals(qrsMs: 130), feedId: "monitor-7")
        #expect(try Self.evaluate(timeline.context(at: 30, observation: ecg)) == [ExpectedDecision("L03", .stop, .high)])
    }

    @Test("A monitor stop band waits for its repeat too, and then stops")
    func stopBandConfirmation() throws {
        var timeline = TimelineFixture(infusion: InfusionOrder(rateMgPerKgPerHour: 1))
        let first = TimelineFixture.observation(at: 30, vitals: Vitals(heartRateBpm: 38), feedId: "monitor-7")
        #expect(try Self.evaluate(timeline.context(at: 30, observation: first)) == [ExpectedDecision("L04", .alert, .high)])
        timeline.observe(at: 30, vitals: Vitals(heartRateBpm: 38), feedId: "monitor-7")
        let second = TimelineFixture.observation(at: 31, vitals: Vitals(heartRateBpm: 39), feedId: "monitor-7")
        #expect(try Self.evaluate(timeline.context(at: 31, observation: second)) == [ExpectedDecision("L04", .stop, .high)])
    }

    @Test("The profile checks refuse confirmation on symptom and ECG rules and conditions that always fire")
    func modelChecks() throws {
        var profile = try ProfileFixture.lidocaine()
        #expect(profile.modelProblems.isEmpty)
        let l10 = try #require(profile.rules.firstIndex { $0.id == "L10" })
        profile.rules[l10].confirmWithinSeconds = 120
        #expect(profile.modelProblems.map(\.ruleId) == ["L10"])
        profile.rules[l10].confirmWithinSeconds = nil
        let l03 = try #require(profile.rules.firstIndex { $0.id == "L03" })
        profile.rules[l03].confirmWithinSeconds = 60
        #expect(profile.modelProblems.map(\.ruleId) == ["L03"])
        profile.rules[l03].confirmWithinSeconds = nil
        profile.rules.append(Rule(id: "Z01", anyOf: [RuleCondition(values: [.ageYears: Bounds(above: 70)])],
                                  action: .alert, priority: .low, reason: "Old."))
        #expect(profile.modelProblems.map(\.ruleId) == ["Z01"])
        profile.rules.removeLast()
        profile.rules.append(Rule(id: "Z02", anyOf: [RuleCondition(recurringAfterResume: true)], action: .stop, priority: .high, reason: "Again."))
        #expect(profile.modelProblems.map(\.ruleId) == ["Z02"])
        profile.rules.removeLast()
        profile.pharmacokinetics?.defaultSet = .domino
        #expect(profile.modelProblems.map(\.key) == ["pharmacokinetics"])
    }
}
