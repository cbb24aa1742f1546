import Foundation
import InfusionCore
import Testing

/// One row of the CLINICAL §4 known-answer table: a parameter set and its published predictions.
struct KnownAnswer: Sendable, CustomTestStringConvertible {
    var parameterSet: PKParameterSet
    /// µg/mL at 10, 60 and 300 min from start.
    var at10: Double
    var at60: Double
    var at300: Double
    /// µg/mL at steady state of 105 mg/h.
    var steadyState: Double
    /// µg/mL at the end of 5 mg/kg over 30 min, where CLINICAL §4 gives it.
    var peakOf5MgPerKg: Double?

    var testDescription: String { parameterSet.rawValue }
}

/// The pharmacokinetic model against every known-answer value of CLINICAL §4 (to ±0.02 µg/mL), and the exactness
/// properties that make those answers trustworthy.
@Suite("Pharmacokinetics (CLINICAL §4)")
struct PharmacokineticsTests {
    static let tolerance = 0.02
    static let origin = Date(timeIntervalSince1970: 1_800_000_000)

    static let knownAnswers: [KnownAnswer] = [
        KnownAnswer(parameterSet: .rowland, at10: 2.13, at60: 1.38, at300: 1.91, steadyState: 2.00, peakOf5MgPerKg: 4.52),
        KnownAnswer(parameterSet: .vozeh, at10: 1.89, at60: 1.40, at300: 1.97, steadyState: 2.59, peakOf5MgPerKg: 4.68),
        KnownAnswer(parameterSet: .vozehHeartFailure, at10: 2.52, at60: 2.05, at300: 3.13, steadyState: 4.69, peakOf5MgPerKg: 6.46),
        KnownAnswer(parameterSet: .schnider, at10: 3.22, at60: 1.38, at300: 1.25, steadyState: 1.25, peakOf5MgPerKg: nil),
    ]

    /// 105 mg over 10 min (10.5 mg/min), then 105 mg/h (1.75 mg/min), at 70 kg.
    static let protocolPlan = DeliveryPlan(
        origin: origin, dosingWeightKg: 70,
        segments: [RateSegment(startMinute: 0, endMinute: 10, mgPerMinute: 10.5),
                   RateSegment(startMinute: 10, endMinute: nil, mgPerMinute: 1.75)],
        programmedInfusionMgPerHour: 105)

    static func minutes(_ value: Double) -> Date { origin.addingTimeInterval(value * 60) }

    @Test("105 mg over 10 min then 105 mg/h at 70 kg: t = 10, 60, 300 min and steady state", arguments: knownAnswers)
    func protocolRegimen(_ row: KnownAnswer) {
        let model = row.parameterSet.model(weightKg: 70)
        for (minute, expected) in [(10.0, row.at10), (60, row.at60), (300, row.at300)] {
            let predicted = PlasmaPredictor.concentration(model: model, plan: Self.protocolPlan, at: Self.minutes(minute))
            #expect(abs(predicted - expected) <= Self.tolerance, "\(row.parameterSet) at \(minute) min: \(predicted), expected \(expected)")
        }
        let steady = model.steadyStateConcentration(rateMgPerMin: 1.75)
        #expect(abs(steady - row.steadyState) <= Self.tolerance, "\(row.parameterSet) steady state \(steady), expected \(row.steadyState)")
    }

    @Test("5 mg/kg over 30 min at 70 kg: end-of-infusion peak", arguments: knownAnswers.filter { $0.peakOf5MgPerKg != nil })
    func fiveMgPerKgPeak(_ row: KnownAnswer) throws {
        let expected = try #require(row.peakOf5MgPerKg)
        let plan = DeliveryPlan(origin: Self.origin, dosingWeightKg: 70,
                                segments: [RateSegment(startMinute: 0, endMinute: 30, mgPerMinute: 350.0 / 30)],
                                programmedInfusionMgPerHour: nil)
        let model = row.parameterSet.model(weightKg: 70)
        let peak = PlasmaPredictor.concentration(model: model, plan: plan, at: Self.minutes(30))
        #expect(abs(peak - expected) <= Self.tolerance, "\(row.parameterSet) peak \(peak), expected \(expected)")
        // It is the peak: a minute either side is lower.
        #expect(PlasmaPredictor.concentration(model: model, plan: plan, at: Self.minutes(29)) < peak)
        #expect(PlasmaPredictor.concentration(model: model, plan: plan, at: Self.minutes(31)) < peak)
    }

    @Test("The known answers through a real session: start, bolus then infusion, integrated from its events")
    func knownAnswersThroughSession() throws {
        let session = Self.session(weightKg: 70, bolus: BolusOrder(doseMgPerKg: 1.5, durationMin: 10),
                                   infusion: InfusionOrder(rateMgPerKgPerHour: 1.5))
        let plan = DeliveryPlan(session: session, history: Self.startOnly(session))
        let settings = PharmacokineticsSettings(defaultSet: .rowland)
        let at60 = try #require(PlasmaPredictor.predict(session: session, plan: plan, settings: settings, at: Self.minutes(60)))
        #expect(at60.parameterSet == .rowland)
        #expect(abs(at60.concentrationUgPerMl - 1.38) <= Self.tolerance)
        #expect(abs(at60.upperBandUgPerMl - 2 * at60.concentrationUgPerMl) <= 0.001)
        let steady = try #require(at60.steadyStateUgPerMl)
        #expect(abs(steady - 2.00) <= Self.tolerance)
        #expect(at60.steadyStateUpperBandUgPerMl.map { abs($0 - 4.01) <= 0.02 } == true)
    }

    @Test("Splitting a constant-rate segment anywhere gives the same answer (exact updates, no time steps)")
    func segmentSplitting() {
        let model = PKParameterSet.vozehHeartFailure.model(weightKg: 70)
        let whole = PlasmaPredictor.concentration(model: model, plan: Self.protocolPlan, at: Self.minutes(300))
        var pieces: [RateSegment] = [RateSegment(startMinute: 0, endMinute: 10, mgPerMinute: 10.5)]
        var start = 10.0
        for end in stride(from: 13.7, to: 300, by: 17.3) {
            pieces.append(RateSegment(startMinute: start, endMinute: end, mgPerMinute: 1.75))
            start = end
        }
        pieces.append(RateSegment(startMinute: start, endMinute: nil, mgPerMinute: 1.75))
        let split = DeliveryPlan(origin: Self.origin, dosingWeightKg: 70, segments: pieces, programmedInfusionMgPerHour: 105)
        #expect(abs(PlasmaPredictor.concentration(model: model, plan: split, at: Self.minutes(300)) - whole) < 1e-9)
    }

    @Test("A long constant infusion converges on R / (k10·V1) for every set", arguments: PKParameterSet.allCases)
    func convergesToSteadyState(_ set: PKParameterSet) {
        let model = set.model(weightKg: 70)
        let plan = DeliveryPlan(origin: Self.origin, dosingWeightKg: 70,
                                segments: [RateSegment(startMinute: 0, endMinute: nil, mgPerMinute: 1)],
                                programmedInfusionMgPerHour: 60)
        // The slowest ketamine exponent is ~0.006 /min; 10 000 h is far beyond every set's terminal half-life.
        let late = PlasmaPredictor.concentration(model: model, plan: plan, at: Self.minutes(600_000))
        let steady = model.steadyStateConcentration(rateMgPerMin: 1)
        #expect(abs(late - steady) / steady < 1e-6)
    }

    @Test("No drug, no level; after the infusion stops the level only falls")
    func washout() {
        let model = PKParameterSet.rowland.model(weightKg: 70)
        #expect(model.concentration(model.advance(model.empty, minutes: 60, rateMgPerMin: 0)) == 0)
        let plan = DeliveryPlan(origin: Self.origin, dosingWeightKg: 70,
                                segments: [RateSegment(startMinute: 0, endMinute: 120, mgPerMinute: 1.5)],
                                programmedInfusionMgPerHour: nil)
        var previous = PlasmaPredictor.concentration(model: model, plan: plan, at: Self.minutes(120))
        for minute in stride(from: 130.0, through: 600, by: 10) {
            let level = PlasmaPredictor.concentration(model: model, plan: plan, at: Self.minutes(minute))
            #expect(level < previous && level > 0)
            previous = level
        }
    }

    @Test("Mass balance: the amounts in the body never exceed what was given")
    func massBalance() {
        for set in PKParameterSet.allCases {
            let model = set.model(weightKg: 70)
            let amounts = model.advance(model.empty, minutes: 45, rateMgPerMin: 2)
            #expect(amounts.allSatisfy { $0 >= 0 })
            #expect(amounts.reduce(0, +) < 90)
        }
    }

    @Test("Ketamine uses the three-compartment Domino set scaled to weight")
    func ketamineModel() {
        let model = PKParameterSet.domino.model(weightKg: 70)
        #expect(model.compartments == 3)
        #expect(abs(model.centralVolumeL - 4.41) < 1e-9)
        // 0.5 mg/kg/h for 60 min at 70 kg (independently computed with scipy's expm: 0.1765 µg/mL = 176 ng/mL,
        // inside the 70–160 ng/mL analgesic to 100–250 ng/mL dissociative range of CLINICAL §4).
        let plan = DeliveryPlan(origin: Self.origin, dosingWeightKg: 70,
                                segments: [RateSegment(startMinute: 0, endMinute: nil, mgPerMinute: 35.0 / 60)],
                                programmedInfusionMgPerHour: 35)
        #expect(abs(PlasmaPredictor.concentration(model: model, plan: plan, at: Self.minutes(60)) - 0.1765) < 0.001)
    }

    // MARK: Model choice

    @Test("Model choice: Rowland by default, Vozeh HF for heart failure, Schnider only for planned ≤ 2 h sessions within 2 h")
    func modelChoice() {
        let settings = PharmacokineticsSettings.standard(for: .lidocaine)
        var session = Self.session(weightKg: 70, bolus: nil, infusion: InfusionOrder(rateMgPerKgPerHour: 1))
        #expect(settings.parameterSet(for: session, at: Self.minutes(10)) == .rowland)
        session.plannedDurationMin = 120
        #expect(settings.parameterSet(for: session, at: Self.minutes(120)) == .schnider)
        #expect(settings.parameterSet(for: session, at: Self.minutes(120.01)) == .rowland)
        session.plannedDurationMin = 121
        #expect(settings.parameterSet(for: session, at: Self.minutes(10)) == .rowland)
        session.plannedDurationMin = 60
        session.flags = PatientFlags(conditions: [.heartFailure])
        #expect(settings.parameterSet(for: session, at: Self.minutes(10)) == .vozehHeartFailure)
        #expect(PharmacokineticsSettings.standard(for: .ketamine).parameterSet(for: session, at: Self.minutes(10)) == .domino)
    }

    @Test("No prediction rather than a wrong one for a dosing weight that is not positive")
    func noModelForBadWeight() {
        var session = Self.session(weightKg: 70, bolus: nil, infusion: InfusionOrder(rateMgPerKgPerHour: 1))
        session.dosingWeightKg = 0
        let plan = DeliveryPlan(session: session, history: Self.startOnly(session))
        #expect(PlasmaPredictor.predict(session: session, plan: plan, settings: .standard(for: .lidocaine), at: Self.minutes(5)) == nil)
    }

    @Test("Severe hepatic impairment halves k10, which doubles the steady state")
    func hepaticAdjustment() throws {
        let settings = PharmacokineticsSettings.standard(for: .lidocaine)
        var session = Self.session(weightKg: 70, bolus: nil, infusion: InfusionOrder(rateMgPerKgPerHour: 1))
        let plan = DeliveryPlan(session: session, history: Self.startOnly(session))
        let plain = try #require(PlasmaPredictor.predict(session: session, plan: plan, settings: settings, at: Self.minutes(60)))
        session.flags = PatientFlags(conditions: [.hepaticImpairment])
        let adjusted = try #require(PlasmaPredictor.predict(session: session, plan: plan, settings: settings, at: Self.minutes(60)))
        #expect(!plain.hepaticAdjustment && adjusted.hepaticAdjustment)
        #expect(settings.k10Factor(for: session) == 0.5)
        let plainSteady = try #require(plain.steadyStateUgPerMl)
        let adjustedSteady = try #require(adjusted.steadyStateUgPerMl)
        #expect(abs(adjustedSteady - 2 * plainSteady) <= 0.002)
        #expect(adjusted.concentrationUgPerMl > plain.concentrationUgPerMl)
    }

    // MARK: Fixtures

    /// A running lidocaine session started at `origin`.
    static func session(weightKg: Double, bolus: BolusOrder?, infusion: InfusionOrder?) -> Session {
        Session(
            id: UUID(uuidString: "00000000-0000-0000-0000-00000000bb01")!, patientId: "MRN-PK", drug: .lidocaine,
            state: .running, weightKg: weightKg, heightCm: nil, sex: nil, dosingWeight: .actual, dosingWeightKg: weightKg,
            bolus: bolus, infusion: infusion, prescriber: "dr.ada", startedBy: "rn.bo", startedAt: origin,
            baseline: SessionFixture.baseline, override: nil, ruleSetHash: "test")
    }

    /// The history of a session that has only started.
    static func startOnly(_ session: Session) -> SessionHistory {
        let request = StartSessionRequest(
            patientId: session.patientId, drug: session.drug, weightKg: session.weightKg, bolus: session.bolus,
            infusion: session.infusion, prescriber: session.prescriber, recordedBy: session.startedBy,
            baseline: session.baseline)
        return SessionHistory(entries: [SessionHistory.Entry(
            sequence: 1, recordedAt: session.startedAt, occurredAt: session.startedAt, stateAfter: .running,
            payload: .start(request))])
    }
}
