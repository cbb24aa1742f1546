import Foundation
import InfusionCore
import Testing

/// One expected decision: which rule, what it asks for and how loud.
struct ExpectedDecision: Equatable, Sendable, CustomStringConvertible {
    /// The rule id, e.g. `L04`.
    var ruleId: String
    /// What the rule asks for.
    var action: DecisionAction
    /// The alert priority.
    var priority: AlertPriority

    /// An expectation written out.
    init(_ ruleId: String, _ action: DecisionAction, _ priority: AlertPriority) {
        self.ruleId = ruleId
        self.action = action
        self.priority = priority
    }

    /// The same three facts read from a decision.
    init(_ decision: Decision) {
        self.init(decision.ruleId, decision.action, decision.priority)
    }

    /// `L04 stop high`.
    var description: String { "\(ruleId) \(action.rawValue) \(priority.rawValue)" }
}

/// One row of a rule's threshold table: an observation against a baseline and exactly the decisions it must give.
struct RuleCase: Sendable, CustomTestStringConvertible {
    /// What the row is about, shown in the test report.
    var label: String
    /// The session's baseline set.
    var baseline: Vitals
    /// The observation under test.
    var observation: ObservationRequest
    /// Exactly the decisions the engine must return, in order.
    var expected: [ExpectedDecision]
    /// The threshold key the first expected decision must carry (which clause fired), when it matters.
    var clause: String?

    /// A row; fields not given are not observed.
    init(
        _ label: String, baseline: Vitals = SessionFixture.baseline, vitals: Vitals? = nil, symptoms: [Symptom]? = nil,
        sedation: Sedation? = nil, serum: Double? = nil, expect expected: [ExpectedDecision], clause: String? = nil
    ) {
        self.label = label
        self.baseline = baseline
        self.observation = SessionFixture.observation(vitals: vitals, symptoms: symptoms, sedation: sedation, serum: serum)
        self.expected = expected
        self.clause = clause
    }

    /// The row as shown in the test report.
    var testDescription: String { label }
}

private func stopHigh(_ id: String) -> ExpectedDecision { ExpectedDecision(id, .stop, .high) }
private func pauseHigh(_ id: String) -> ExpectedDecision { ExpectedDecision(id, .pause, .high) }
private func pauseMedium(_ id: String) -> ExpectedDecision { ExpectedDecision(id, .pause, .medium) }
private func alertLow(_ id: String) -> ExpectedDecision { ExpectedDecision(id, .alert, .low) }
private func poss(_ value: String) -> Sedation { Sedation(scale: .POSS, value: value) }
private func rass(_ value: String) -> Sedation { Sedation(scale: .RASS, value: value) }

/// Every default rule (CLINICAL §6 L01–L13) with the value just inside and just outside each threshold, evaluated
/// with the shipped profile against a session with a full baseline (HR 72, SBP 128, DBP 78, SpO2 98, RR 14,
/// QRS 90, PR 160, sinus) unless a row gives another baseline.
@Suite("Rule thresholds (shipped lidocaine profile)")
struct RuleThresholdTests {
    /// The stage-1 (early CNS) symptoms of L10 and L11.
    static let stage1: [Symptom] = [.perioralNumbness, .metallicTaste, .tinnitus, .lightheadedness, .dizziness]
    /// The objective CNS and pre-convulsive signs of L09.
    static let objectiveCNS: [Symptom] = [.visualDisturbance, .slurredSpeech, .muscleTwitching, .tremor, .confusion, .agitation]

    /// Evaluates a row and checks the decisions exactly, and that each explains itself.
    func check(_ row: RuleCase) throws {
        let profile = try ProfileFixture.lidocaine()
        let session = SessionFixture.session(baseline: row.baseline)
        let decisions = RuleEngine.evaluate(profile.rules, observation: row.observation, session: session)
        #expect(decisions.map(ExpectedDecision.init) == row.expected)
        for decision in decisions {
            let entries = profile.rules.filter { $0.id == decision.ruleId && $0.action == decision.action }
            let entry = try #require(entries.first, "no \(decision.ruleId) \(decision.action) entry in the profile")
            #expect(!decision.reason.isEmpty)
            #expect(decision.reason.hasPrefix(entry.reason))
            #expect(decision.reason.contains("(observed: "))
            #expect(!decision.inputs.isEmpty)
            #expect(!decision.thresholds.isEmpty)
            #expect(decision.requiresReview == (entry.review ?? false))
            #expect(decision.emergency == (entry.emergency ?? false))
            if entry.lipidGuidance == true {
                #expect(decision.guidance == LipidEmulsion.guidance(weightKg: 70))
            } else {
                #expect(decision.guidance == nil)
            }
        }
        if let clause = row.clause, let first = decisions.first {
            #expect(first.thresholds[clause] != nil, "expected \(first.ruleId) to fire on \(clause); thresholds \(first.thresholds)")
        }
    }

    @Test("A set of vitals equal to the baseline gives no decision")
    func baselineIsQuiet() throws {
        try check(RuleCase("baseline again", vitals: SessionFixture.baseline, sedation: poss("1"), serum: 2.5, expect: []))
    }

    @Test("L01 seizure, unconsciousness, apnoea, POSS 4 / RASS ≤ −4", arguments: [
        RuleCase("seizure", symptoms: [.seizure], expect: [stopHigh("L01")], clause: "symptomsAny"),
        RuleCase("loss of consciousness", symptoms: [.lossOfConsciousness], expect: [stopHigh("L01")]),
        RuleCase("apnoea", symptoms: [.apnoea], expect: [stopHigh("L01")]),
        RuleCase("POSS 4", sedation: poss("4"), expect: [stopHigh("L01")], clause: "possLevel"),
        RuleCase("POSS 3 is L09, not L01", sedation: poss("3"), expect: [stopHigh("L09")]),
        RuleCase("RASS −4", sedation: rass("-4"), expect: [stopHigh("L01")], clause: "possLevel"),
        RuleCase("RASS −5", sedation: rass("-5"), expect: [stopHigh("L01")]),
        RuleCase("RASS −3 is L09, not L01", sedation: rass("-3"), expect: [stopHigh("L09")]),
        RuleCase("seizure with tinnitus", symptoms: [.seizure, .tinnitus], expect: [stopHigh("L01"), pauseMedium("L10")]),
    ])
    func l01(_ row: RuleCase) throws { try check(row) }

    @Test("L02 VF, VT, asystole, PEA (a new rhythm, so L03 too)", arguments: [
        RuleCase("VF", vitals: Vitals(rhythm: .ventricularFibrillation), expect: [stopHigh("L02"), stopHigh("L03")], clause: "rhythmIn"),
        RuleCase("VT", vitals: Vitals(rhythm: .ventricularTachycardia), expect: [stopHigh("L02"), stopHigh("L03")]),
        RuleCase("asystole", vitals: Vitals(rhythm: .asystole), expect: [stopHigh("L02"), stopHigh("L03")]),
        RuleCase("PEA", vitals: Vitals(rhythm: .pea), expect: [stopHigh("L02"), stopHigh("L03")]),
        RuleCase("ventricular ectopy is L03 only", vitals: Vitals(rhythm: .ventricularEctopy), expect: [stopHigh("L03")]),
        RuleCase("VF with an AF baseline", baseline: SessionFixture.baseline(rhythm: .atrialFibrillation),
                 vitals: Vitals(rhythm: .ventricularFibrillation), expect: [stopHigh("L02"), stopHigh("L03")]),
        RuleCase("sinus, as at baseline", vitals: Vitals(rhythm: .sinus), expect: []),
    ])
    func l02(_ row: RuleCase) throws { try check(row) }

    @Test("L03 ECG: new AV block, QRS, PR, new rhythm", arguments: [
        // Rhythm against a sinus baseline.
        RuleCase("same rhythm as baseline", vitals: Vitals(rhythm: .sinus), expect: []),
        RuleCase("new 2nd-degree AV block", vitals: Vitals(rhythm: .avBlock2), expect: [stopHigh("L03")], clause: "rhythmIn"),
        RuleCase("new 3rd-degree AV block", vitals: Vitals(rhythm: .avBlock3), expect: [stopHigh("L03")], clause: "rhythmIn"),
        RuleCase("new atrial fibrillation", vitals: Vitals(rhythm: .atrialFibrillation), expect: [stopHigh("L03")],
                 clause: "rhythmDiffersFromBaseline"),
        RuleCase("new 1st-degree AV block", vitals: Vitals(rhythm: .avBlock1), expect: [stopHigh("L03")]),
        // Any rhythm other than the baseline's is "new", sinus tachycardia included (profile default).
        RuleCase("sinus tachycardia from sinus", vitals: Vitals(rhythm: .sinusTachycardia), expect: [stopHigh("L03")]),
        // A block already at baseline (started under a contraindication override) is not new: a standing medium
        // alert, not silence; worsening to 3rd degree is new and stops.
        RuleCase("AV block 2 already at baseline", baseline: SessionFixture.baseline(rhythm: .avBlock2),
                 vitals: Vitals(rhythm: .avBlock2), expect: [ExpectedDecision("L03", .alert, .medium)], clause: "rhythmIn"),
        RuleCase("AV block 2 at baseline, AV block 3 now", baseline: SessionFixture.baseline(rhythm: .avBlock2),
                 vitals: Vitals(rhythm: .avBlock3), expect: [stopHigh("L03")], clause: "rhythmIn"),
        RuleCase("AV block 1 at baseline, AV block 2 now", baseline: SessionFixture.baseline(rhythm: .avBlock1),
                 vitals: Vitals(rhythm: .avBlock2), expect: [stopHigh("L03")], clause: "rhythmIn"),
        RuleCase("no rhythm reported", vitals: Vitals(heartRateBpm: 72), expect: []),
        RuleCase("arrhythmia symptom", symptoms: [.arrhythmia], expect: [stopHigh("L03")], clause: "symptomsAny"),
        RuleCase("palpitations are not arrhythmia", symptoms: [.palpitations], expect: []),
        // QRS rise against a baseline of 90 ms: 25 % is 112.5 ms.
        RuleCase("QRS 112 (24.4 % rise)", vitals: Vitals(qrsMs: 112), expect: []),
        RuleCase("QRS 112.5 (25 % rise)", vitals: Vitals(qrsMs: 112.5), expect: [stopHigh("L03")], clause: "qrsRisePercent"),
        RuleCase("QRS 119 (32 % rise)", vitals: Vitals(qrsMs: 119), expect: [stopHigh("L03")], clause: "qrsRisePercent"),
        RuleCase("QRS 80 (narrower)", vitals: Vitals(qrsMs: 80), expect: []),
        // QRS absolute threshold against a baseline of 100 ms, so the rise clause stays quiet below 125 ms.
        RuleCase("QRS 119 on a 100 ms baseline", baseline: SessionFixture.baseline(qrsMs: 100), vitals: Vitals(qrsMs: 119), expect: []),
        RuleCase("QRS 120 on a 100 ms baseline", baseline: SessionFixture.baseline(qrsMs: 100), vitals: Vitals(qrsMs: 120),
                 expect: [stopHigh("L03")], clause: "qrsMs"),
        // PR against a baseline of 160 ms: 25 % is 200 ms, so 200 fires through the rise clause although it is
        // not above 200 ms; 201 fires through the absolute clause (listed first in the profile).
        RuleCase("PR 199 (24.4 % rise)", vitals: Vitals(prMs: 199), expect: []),
        RuleCase("PR 200 (exactly 25 % rise)", vitals: Vitals(prMs: 200), expect: [stopHigh("L03")], clause: "prRisePercent"),
        RuleCase("PR 201", vitals: Vitals(prMs: 201), expect: [stopHigh("L03")], clause: "prMs"),
        // PR absolute threshold against a baseline of 170 ms (200 is a 17.6 % rise).
        RuleCase("PR 200 on a 170 ms baseline", baseline: SessionFixture.baseline(prMs: 170), vitals: Vitals(prMs: 200), expect: []),
        RuleCase("PR 201 on a 170 ms baseline", baseline: SessionFixture.baseline(prMs: 170), vitals: Vitals(prMs: 201),
                 expect: [stopHigh("L03")], clause: "prMs"),
    ])
    func l03(_ row: RuleCase) throws { try check(row) }

    @Test("L04 heart rate ≤ 40", arguments: [
        RuleCase("HR 40", vitals: Vitals(heartRateBpm: 40), expect: [stopHigh("L04")], clause: "heartRateBpm"),
        RuleCase("HR 30", vitals: Vitals(heartRateBpm: 30), expect: [stopHigh("L04")]),
        RuleCase("HR 41 (43 % below baseline 72) is L05, not L04", vitals: Vitals(heartRateBpm: 41), expect: [pauseMedium("L05")]),
        RuleCase("HR 41 with baseline 45 (9 % drop)", baseline: SessionFixture.baseline(heartRateBpm: 45),
                 vitals: Vitals(heartRateBpm: 41), expect: []),
    ])
    func l04(_ row: RuleCase) throws { try check(row) }

    @Test("L05 heart rate 41–50 and ≥ 20 % below baseline", arguments: [
        RuleCase("HR 50, baseline 72 (30.6 % drop)", vitals: Vitals(heartRateBpm: 50), expect: [pauseMedium("L05")],
                 clause: "heartRateDropPercent"),
        RuleCase("HR 51, baseline 72", vitals: Vitals(heartRateBpm: 51), expect: []),
        RuleCase("HR 45, baseline 55 (18.2 % drop)", baseline: SessionFixture.baseline(heartRateBpm: 55),
                 vitals: Vitals(heartRateBpm: 45), expect: []),
        RuleCase("HR 44, baseline 55 (exactly 20 % drop)", baseline: SessionFixture.baseline(heartRateBpm: 55),
                 vitals: Vitals(heartRateBpm: 44), expect: [pauseMedium("L05")]),
        RuleCase("HR 45.1, baseline 55 (18 % drop)", baseline: SessionFixture.baseline(heartRateBpm: 55),
                 vitals: Vitals(heartRateBpm: 45.1), expect: []),
    ])
    func l05(_ row: RuleCase) throws { try check(row) }

    @Test("L06 blood pressure", arguments: [
        RuleCase("SBP 79", vitals: Vitals(systolicMmHg: 79), expect: [stopHigh("L06")], clause: "systolicMmHg"),
        RuleCase("SBP 80", vitals: Vitals(systolicMmHg: 80), expect: [pauseHigh("L06")], clause: "systolicMmHg"),
        RuleCase("SBP 89 (≤ 90 and a 30.5 % drop)", vitals: Vitals(systolicMmHg: 89), expect: [pauseHigh("L06")]),
        RuleCase("SBP 90", vitals: Vitals(systolicMmHg: 90), expect: [pauseHigh("L06")], clause: "systolicMmHg"),
        RuleCase("SBP 91 (28.9 % below 128)", vitals: Vitals(systolicMmHg: 91), expect: []),
        // MAP = (SBP + 2·DBP) / 3 with SBP 95, which is neither ≤ 90 nor 30 % down.
        RuleCase("MAP 64.9", vitals: Vitals(systolicMmHg: 95, diastolicMmHg: 49.85), expect: [pauseHigh("L06")],
                 clause: "meanArterialMmHg"),
        RuleCase("MAP 65", vitals: Vitals(systolicMmHg: 95, diastolicMmHg: 50), expect: []),
        RuleCase("SBP without DBP gives no MAP", vitals: Vitals(systolicMmHg: 95), expect: []),
        // Relative fall against a baseline SBP of 150: 30 % is 105.
        RuleCase("SBP 105, baseline 150 (exactly 30 % drop)", baseline: SessionFixture.baseline(systolicMmHg: 150),
                 vitals: Vitals(systolicMmHg: 105), expect: [pauseHigh("L06")], clause: "systolicDropPercent"),
        RuleCase("SBP 106, baseline 150 (29.3 % drop)", baseline: SessionFixture.baseline(systolicMmHg: 150),
                 vitals: Vitals(systolicMmHg: 106), expect: []),
    ])
    func l06(_ row: RuleCase) throws { try check(row) }

    @Test("L07 SpO2 ≤ 91 %", arguments: [
        RuleCase("SpO2 91", vitals: Vitals(spo2Percent: 91), expect: [pauseHigh("L07")], clause: "spo2Percent"),
        RuleCase("SpO2 92", vitals: Vitals(spo2Percent: 92), expect: []),
        RuleCase("SpO2 85", vitals: Vitals(spo2Percent: 85), expect: [pauseHigh("L07")]),
    ])
    func l07(_ row: RuleCase) throws { try check(row) }

    @Test("L08 respiratory rate", arguments: [
        RuleCase("RR 8", vitals: Vitals(respiratoryRatePerMin: 8), expect: [stopHigh("L08")], clause: "respiratoryRatePerMin"),
        RuleCase("RR 9", vitals: Vitals(respiratoryRatePerMin: 9), expect: [pauseMedium("L08")]),
        RuleCase("RR 10", vitals: Vitals(respiratoryRatePerMin: 10), expect: [pauseMedium("L08")]),
        RuleCase("RR 11", vitals: Vitals(respiratoryRatePerMin: 11), expect: []),
    ])
    func l08(_ row: RuleCase) throws { try check(row) }

    @Test("L09 objective CNS signs, agitation, POSS 3 / RASS −2…−3", arguments:
        objectiveCNS.map { RuleCase("\($0.rawValue) alone", symptoms: [$0], expect: [stopHigh("L09")], clause: "symptomsAny") } + [
        RuleCase("RASS +2", sedation: rass("+2"), expect: [stopHigh("L09")], clause: "rassLevel"),
        RuleCase("RASS 2 without a sign", sedation: rass("2"), expect: [stopHigh("L09")]),
        RuleCase("RASS +4", sedation: rass("+4"), expect: [stopHigh("L09")]),
        RuleCase("RASS +1", sedation: rass("+1"), expect: []),
        RuleCase("RASS 0", sedation: rass("0"), expect: []),
        RuleCase("RASS −1 is L12", sedation: rass("-1"), expect: [alertLow("L12")]),
        RuleCase("RASS −2", sedation: rass("-2"), expect: [stopHigh("L09")], clause: "possLevel"),
        RuleCase("RASS −3", sedation: rass("-3"), expect: [stopHigh("L09")], clause: "possLevel"),
        RuleCase("POSS 3", sedation: poss("3"), expect: [stopHigh("L09")], clause: "possLevel"),
        RuleCase("POSS 2 is L12", sedation: poss("2"), expect: [alertLow("L12")]),
        RuleCase("POSS 1", sedation: poss("1"), expect: []),
        RuleCase("POSS S", sedation: poss("S"), expect: []),
    ])
    func l09(_ row: RuleCase) throws { try check(row) }

    @Test("L10 one early CNS symptom alone", arguments: stage1)
    func l10(_ symptom: Symptom) throws {
        try check(RuleCase("\(symptom.rawValue) alone", symptoms: [symptom], expect: [pauseMedium("L10")], clause: "symptomsAny"))
    }

    @Test("L11 two or more early CNS symptoms together", arguments: [
        RuleCase("tinnitus + perioral numbness", symptoms: [.tinnitus, .perioralNumbness],
                 expect: [pauseMedium("L10"), stopHigh("L11")]),
        RuleCase("metallic taste + dizziness", symptoms: [.metallicTaste, .dizziness], expect: [pauseMedium("L10"), stopHigh("L11")]),
        RuleCase("lightheadedness + dizziness (one sign)", symptoms: [.lightheadedness, .dizziness], expect: [pauseMedium("L10")]),
        RuleCase("all five", symptoms: stage1, expect: [pauseMedium("L10"), stopHigh("L11")]),
        RuleCase("a repeated symptom", symptoms: [.tinnitus, .tinnitus], expect: [pauseMedium("L10")]),
    ])
    func l11(_ row: RuleCase) throws { try check(row) }

    @Test("L12 headache, nausea, mild drowsiness alone", arguments: [
        RuleCase("headache", symptoms: [.headache], expect: [alertLow("L12")], clause: "symptomsAny"),
        RuleCase("nausea", symptoms: [.nausea], expect: [alertLow("L12")]),
        RuleCase("drowsiness", symptoms: [.drowsiness], expect: [alertLow("L12")]),
        RuleCase("headache + nausea", symptoms: [.headache, .nausea], expect: [alertLow("L12")]),
        RuleCase("POSS 2", sedation: poss("2"), expect: [alertLow("L12")], clause: "possLevel"),
        RuleCase("headache + tinnitus", symptoms: [.headache, .tinnitus], expect: [pauseMedium("L10")]),
        RuleCase("POSS 2 + tinnitus", symptoms: [.tinnitus], sedation: poss("2"), expect: [pauseMedium("L10")]),
        RuleCase("nausea + tinnitus + metallic taste", symptoms: [.nausea, .tinnitus, .metallicTaste],
                 expect: [pauseMedium("L10"), stopHigh("L11")]),
        RuleCase("headache + seizure", symptoms: [.headache, .seizure], expect: [stopHigh("L01")]),
        RuleCase("headache + confusion", symptoms: [.headache, .confusion], expect: [stopHigh("L09")]),
        RuleCase("headache + arrhythmia", symptoms: [.headache, .arrhythmia], expect: [stopHigh("L03")]),
        RuleCase("headache + palpitations", symptoms: [.headache, .palpitations], expect: [alertLow("L12")]),
        // Vital-sign rules do not make a symptom "not alone".
        RuleCase("headache with HR 40", vitals: Vitals(heartRateBpm: 40), symptoms: [.headache],
                 expect: [stopHigh("L04"), alertLow("L12")]),
    ])
    func l12(_ row: RuleCase) throws { try check(row) }

    @Test("L13 serum level", arguments: [
        RuleCase("4.99 µg/mL", serum: 4.99, expect: []),
        RuleCase("5.0 µg/mL", serum: 5.0, expect: []),
        RuleCase("5.01 µg/mL", serum: 5.01, expect: [pauseHigh("L13")], clause: "serumLevelUgPerMl"),
        RuleCase("10 µg/mL", serum: 10, expect: [pauseHigh("L13")]),
        RuleCase("10.01 µg/mL", serum: 10.01, expect: [stopHigh("L13")], clause: "serumLevelUgPerMl"),
    ])
    func l13(_ row: RuleCase) throws { try check(row) }

    // MARK: - What a decision records

    @Test("A decision records the observed inputs, the thresholds and the observed values in its reason")
    func decisionExplainsItself() throws {
        let profile = try ProfileFixture.lidocaine()
        let decisions = RuleEngine.evaluate(
            profile.rules, observation: SessionFixture.observation(vitals: Vitals(heartRateBpm: 50)),
            session: SessionFixture.session())
        let decision = try #require(decisions.first)
        #expect(decisions.count == 1)
        #expect(decision.ruleId == "L05")
        #expect(decision.inputs == ["heartRateBpm": 50, "heartRateDropPercent": 30.56])
        #expect(decision.thresholds == ["heartRateBpm": ["above": 40, "atMost": 50], "heartRateDropPercent": ["atLeast": 20]])
        #expect(decision.reason.hasSuffix("(observed: heartRateBpm 50, heartRateDropPercent 30.56)"))
        #expect(decision.requiresReview == false)
        #expect(decision.emergency == false)
    }

    @Test("L13 above 5 µg/mL asks for a clinician review; above 10 the stop wins")
    func serumReview() throws {
        let profile = try ProfileFixture.lidocaine()
        let pause = RuleEngine.evaluate(profile.rules, observation: SessionFixture.observation(serum: 6), session: SessionFixture.session())
        #expect(pause.map(\.requiresReview) == [true])
        #expect(pause.first?.thresholds == ["serumLevelUgPerMl": ["above": 5]])
        let stop = RuleEngine.evaluate(profile.rules, observation: SessionFixture.observation(serum: 12), session: SessionFixture.session())
        #expect(stop.map(ExpectedDecision.init) == [stopHigh("L13")])
        #expect(stop.first?.thresholds == ["serumLevelUgPerMl": ["above": 10]])
    }

    @Test("Emergencies carry the patient's lipid emulsion doses")
    func emergencyGuidance() throws {
        let profile = try ProfileFixture.lidocaine()
        let decisions = RuleEngine.evaluate(
            profile.rules, observation: SessionFixture.observation(symptoms: [.seizure]),
            session: SessionFixture.session(weightKg: 60))
        let decision = try #require(decisions.first)
        #expect(decision.ruleId == "L01")
        #expect(decision.emergency)
        #expect(decision.guidance == "Lipid emulsion 20 % to bedside: 90 mL over 2–3 min, then 15 mL/min; upper limit about 720 mL.")
        #expect(decision.inputs == ["symptoms": ["seizure"]])
        #expect(decision.thresholds == ["symptomsAny": ["seizure", "lossOfConsciousness", "apnoea"]])
    }

    @Test("L11 records the symptoms it counted and how many distinct signs it needs")
    func symptomGroupInputs() throws {
        let profile = try ProfileFixture.lidocaine()
        let decisions = RuleEngine.evaluate(
            profile.rules, observation: SessionFixture.observation(symptoms: [.tinnitus, .headache, .perioralNumbness]),
            session: SessionFixture.session())
        let l11 = try #require(decisions.first { $0.ruleId == "L11" })
        #expect(l11.inputs == ["symptoms": ["perioralNumbness", "tinnitus"]])
        #expect(l11.thresholds == ["distinctSymptomsAtLeast": 2])
    }

    @Test("A new AV block records the rhythm, the baseline rhythm and both clauses")
    func rhythmInputs() throws {
        let profile = try ProfileFixture.lidocaine()
        let decisions = RuleEngine.evaluate(
            profile.rules, observation: SessionFixture.observation(vitals: Vitals(rhythm: .avBlock3)),
            session: SessionFixture.session())
        let l03 = try #require(decisions.first)
        #expect(decisions.count == 1)
        #expect(l03.inputs == ["rhythm": "avBlock3", "baselineRhythm": "sinus"])
        #expect(l03.thresholds == ["rhythmIn": ["avBlock2", "avBlock3"], "rhythmDiffersFromBaseline": true])
    }

    @Test("Evaluation is deterministic and gives one decision per rule id, in profile order")
    func deterministic() throws {
        let profile = try ProfileFixture.lidocaine()
        let observation = SessionFixture.observation(
            vitals: Vitals(heartRateBpm: 38, systolicMmHg: 75, diastolicMmHg: 40, spo2Percent: 88, respiratoryRatePerMin: 7,
                           qrsMs: 130, prMs: 230, rhythm: .avBlock2),
            symptoms: [.seizure, .tinnitus, .metallicTaste, .confusion, .headache], sedation: rass("-5"), serum: 12)
        let first = RuleEngine.evaluate(profile.rules, observation: observation, session: SessionFixture.session())
        let second = RuleEngine.evaluate(profile.rules, observation: observation, session: SessionFixture.session())
        #expect(first == second)
        #expect(first.map(ExpectedDecision.init) == [
            stopHigh("L01"), stopHigh("L03"), stopHigh("L04"), stopHigh("L06"), pauseHigh("L07"), stopHigh("L08"),
            stopHigh("L09"), pauseMedium("L10"), stopHigh("L11"), stopHigh("L13"),
        ])
    }
}
