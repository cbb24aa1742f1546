import Foundation
import InfusionCore
import Testing

/// The shipped ketamine profile (CLINICAL §5–6): K01 regimen reviews, K02–K05, the general vital-sign rules it
/// shares and X01, each at its threshold and just beyond it.
@Suite("Rule thresholds (shipped ketamine profile)")
struct KetamineRuleTests {
    /// A running 70 kg ketamine session at 0.5 mg/kg/h with the standard baseline.
    static func session() -> Session {
        var session = SessionFixture.session(infusion: InfusionOrder(rateMgPerKgPerHour: 0.5))
        session.drug = .ketamine
        return session
    }

    static func evaluate(vitals: Vitals? = nil, symptoms: [Symptom]? = nil, sedation: Sedation? = nil) throws -> [ExpectedDecision] {
        let observation = SessionFixture.observation(vitals: vitals, symptoms: symptoms, sedation: sedation)
        return try RuleEngine.evaluate(ProfileFixture.ketamine().rules, observation: observation, session: session())
            .map(ExpectedDecision.init)
    }

    @Test("The profile loads: drug, K01 as its regimen rule, Domino model, contraindications, no model problems")
    func header() throws {
        let profile = try ProfileFixture.ketamine()
        #expect(profile.drug == .ketamine)
        #expect(profile.resolvedRegimenRule == RegimenRule(id: "K01", priority: .medium))
        #expect(profile.resolvedPharmacokinetics.defaultSet == .domino)
        #expect(profile.startChecks?.absolute.contains(.activePsychosis) == true)
        #expect(profile.modelProblems.isEmpty, "\(profile.modelProblems)")
        #expect(Set(profile.rules.map(\.id)).isSuperset(of: ["K02", "K03", "K04", "K05", "X01"]))
    }

    @Test("K01: bolus above 0.35 mg/kg and infusion above 1 mg/kg/h need a review (REVIEW + ALERT M)", arguments: [
        (BolusOrder(doseMgPerKg: 0.35, durationMin: 10), nil, false),
        (BolusOrder(doseMgPerKg: 0.36, durationMin: 10), nil, true),
        (nil, InfusionOrder(rateMgPerKgPerHour: 1), false),
        (nil, InfusionOrder(rateMgPerKgPerHour: 1.01), true),
    ] as [(BolusOrder?, InfusionOrder?, Bool)])
    func k01(bolus: BolusOrder?, infusion: InfusionOrder?, needsReview: Bool) throws {
        let profile = try ProfileFixture.ketamine()
        let check = { (override: Override?) throws(DomainError) -> [Decision] in
            try SessionMachine.checkLimits(bolus: bolus, infusion: infusion, dosingWeightKg: 70, limits: profile.limits,
                                           override: override, regimenRule: profile.resolvedRegimenRule)
        }
        if needsReview {
            #expect(throws: DomainError.self) { try check(nil) }
            let decisions = try check(Override(by: "dr.ada", reason: "chronic pain unit, monitored bed"))
            #expect(decisions.map(ExpectedDecision.init) == [ExpectedDecision("K01", .review, .medium)])
            #expect(decisions.first?.requiresReview == true)
        } else {
            #expect(try check(nil).isEmpty)
        }
    }

    @Test("K01 hard limits: above 2 mg/kg/h or a 0.5 mg/kg bolus is refused even with an override", arguments: [
        (nil, InfusionOrder(rateMgPerKgPerHour: 2), false), (nil, InfusionOrder(rateMgPerKgPerHour: 2.01), true),
        (BolusOrder(doseMgPerKg: 0.5, durationMin: 10), nil, false), (BolusOrder(doseMgPerKg: 0.51, durationMin: 10), nil, true),
    ] as [(BolusOrder?, InfusionOrder?, Bool)])
    func k01Hard(bolus: BolusOrder?, infusion: InfusionOrder?, refused: Bool) throws {
        let profile = try ProfileFixture.ketamine()
        do {
            _ = try SessionMachine.checkLimits(bolus: bolus, infusion: infusion, dosingWeightKg: 70, limits: profile.limits,
                                               override: Override(by: "dr.ada", reason: "reviewed"), regimenRule: profile.resolvedRegimenRule)
            #expect(!refused)
        } catch {
            #expect(refused && error.code == "dose.hardLimit")
        }
    }

    @Test("K02 blood pressure: SBP ≥ 180 or DBP ≥ 110 pauses, SBP ≥ 220 stops", arguments: [
        (Vitals(systolicMmHg: 179, diastolicMmHg: 100), [ExpectedDecision]()),
        (Vitals(systolicMmHg: 180, diastolicMmHg: 100), [ExpectedDecision("K02", .pause, .medium)]),
        (Vitals(systolicMmHg: 170, diastolicMmHg: 109), [ExpectedDecision]()),
        (Vitals(systolicMmHg: 170, diastolicMmHg: 110), [ExpectedDecision("K02", .pause, .medium)]),
        (Vitals(systolicMmHg: 219, diastolicMmHg: 100), [ExpectedDecision("K02", .pause, .medium)]),
        (Vitals(systolicMmHg: 220, diastolicMmHg: 100), [ExpectedDecision("K02", .stop, .high)]),
    ] as [(Vitals, [ExpectedDecision])])
    func k02(vitals: Vitals, expected: [ExpectedDecision]) throws {
        #expect(try Self.evaluate(vitals: vitals) == expected)
    }

    @Test("K03 heart rate: 111–130 alerts, 131 and above pauses", arguments: [
        (110.0, [ExpectedDecision]()), (111, [ExpectedDecision("K03", .alert, .medium)]),
        (130, [ExpectedDecision("K03", .alert, .medium)]), (130.5, [ExpectedDecision("K03", .pause, .high)]),
        (131, [ExpectedDecision("K03", .pause, .high)]),
    ] as [(Double, [ExpectedDecision])])
    func k03(heartRate: Double, expected: [ExpectedDecision]) throws {
        #expect(try Self.evaluate(vitals: Vitals(heartRateBpm: heartRate)) == expected)
    }

    @Test("K04 psyche: hallucinations, dysphoria, dissociation or RASS +2 pause; RASS +3 stops", arguments: [
        ([Symptom.hallucinations], nil, [ExpectedDecision("K04", .pause, .medium)]),
        ([.dysphoria], nil, [ExpectedDecision("K04", .pause, .medium)]),
        ([.dissociation], nil, [ExpectedDecision("K04", .pause, .medium)]),
        (nil, Sedation(scale: .RASS, value: "+1"), [ExpectedDecision]()),
        (nil, Sedation(scale: .RASS, value: "+2"), [ExpectedDecision("K04", .pause, .medium)]),
        (nil, Sedation(scale: .RASS, value: "+3"), [ExpectedDecision("K04", .stop, .high)]),
        ([.tinnitus], nil, [ExpectedDecision]()),
    ] as [([Symptom]?, Sedation?, [ExpectedDecision])])
    func k04(symptoms: [Symptom]?, sedation: Sedation?, expected: [ExpectedDecision]) throws {
        #expect(try Self.evaluate(symptoms: symptoms, sedation: sedation) == expected)
    }

    @Test("K05 sedation: POSS 3 pauses, POSS 4 stops (RASS mapped onto POSS)", arguments: [
        (Sedation(scale: .POSS, value: "2"), [ExpectedDecision("L12", .alert, .low)]),
        (Sedation(scale: .POSS, value: "3"), [ExpectedDecision("K05", .pause, .medium)]),
        (Sedation(scale: .RASS, value: "-3"), [ExpectedDecision("K05", .pause, .medium)]),
        (Sedation(scale: .POSS, value: "4"), [ExpectedDecision("K05", .stop, .high)]),
        (Sedation(scale: .RASS, value: "-4"), [ExpectedDecision("K05", .stop, .high)]),
    ] as [(Sedation, [ExpectedDecision])])
    func k05(sedation: Sedation, expected: [ExpectedDecision]) throws {
        #expect(try Self.evaluate(sedation: sedation) == expected)
    }

    @Test("Shared vital-sign rules apply to ketamine; lidocaine's toxicity symptoms do not")
    func sharedRules() throws {
        #expect(try Self.evaluate(vitals: Vitals(spo2Percent: 91)) == [ExpectedDecision("L07", .pause, .high)])
        #expect(try Self.evaluate(vitals: Vitals(spo2Percent: 92)) == [])
        #expect(try Self.evaluate(vitals: Vitals(respiratoryRatePerMin: 8)) == [ExpectedDecision("L08", .stop, .high)])
        #expect(try Self.evaluate(symptoms: [.seizure]) == [ExpectedDecision("L01", .stop, .high)])
        #expect(try Self.evaluate(symptoms: [.nausea]) == [ExpectedDecision("L12", .alert, .low)])
        #expect(try Self.evaluate(symptoms: [.nausea, .hallucinations]) == [ExpectedDecision("K04", .pause, .medium)])
        #expect(try Self.evaluate(symptoms: [.perioralNumbness]) == [])
    }

    @Test("X01: a rule's stop of the patient's lidocaine session stops the ketamine session")
    func x01() throws {
        var session = Self.session()
        session.startedAt = SessionFixture.now
        let stop = SystemEvent(cause: .otherSessionStopped, otherSessionId: UUID(), otherDrug: .lidocaine, otherRuleId: "L09")
        let decisions = try RuleEngine.evaluate(ProfileFixture.ketamine().rules,
                                                context: RuleContext(session: session, at: SessionFixture.now, otherSessionStop: stop))
        #expect(decisions.map(ExpectedDecision.init) == [ExpectedDecision("X01", .stop, .high)])
    }

    @Test("The ketamine prediction uses Domino and reports µg/mL (0.5 mg/kg/h for 1 h at 70 kg ≈ 0.176 µg/mL = 176 ng/mL)")
    func prediction() throws {
        let timeline = TimelineFixture(drug: .ketamine, infusion: InfusionOrder(rateMgPerKgPerHour: 0.5))
        let context = timeline.context(at: 60, pharmacokinetics: try ProfileFixture.ketamine().pharmacokinetics)
        let prediction = try #require(context.prediction)
        #expect(prediction.parameterSet == .domino)
        #expect(abs(prediction.concentrationUgPerMl - 0.176) <= 0.001)
    }
}
