import Foundation
import InfusionCore

/// SplitMix64 (Steele, Lea and Flood 2014): a tiny generator whose sequence depends only on its seed, on every
/// platform and in every Swift version, so a scenario's seed is enough to rebuild it exactly.
struct SplitMix64: RandomNumberGenerator {
    private var state: UInt64

    init(seed: UInt64) { state = seed }

    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }

    /// A whole number in `range`. The standard library's `Int.random(in:using:)` may change how it draws between
    /// releases; this is one multiply, fixed forever.
    mutating func int(_ range: ClosedRange<Int>) -> Int {
        let span = UInt64(range.upperBound - range.lowerBound + 1)
        return range.lowerBound + Int(next().multipliedFullWidth(by: span).high)
    }

    /// A number in `range` rounded to `step` (0.1 mg/kg, 1 bpm), so inputs print short and exactly.
    mutating func number(_ range: ClosedRange<Double>, step: Double = 1) -> Double {
        let steps = Int(((range.upperBound - range.lowerBound) / step).rounded(.down))
        return ((range.lowerBound + Double(int(0...steps)) * step) * 1000).rounded() / 1000
    }

    /// True with probability `percent` %.
    mutating func chance(_ percent: Int) -> Bool { int(0...99) < percent }

    mutating func pick<T>(_ items: [T]) -> T { items[int(0...(items.count - 1))] }

    /// A UUID made from the generator, for client-side event ids.
    mutating func uuid() -> UUID {
        let a = next(), b = next()
        var bytes = [UInt8](repeating: 0, count: 16)
        for i in 0..<8 {
            bytes[i] = UInt8(truncatingIfNeeded: a >> (8 * UInt64(i)))
            bytes[8 + i] = UInt8(truncatingIfNeeded: b >> (8 * UInt64(i)))
        }
        bytes[6] = (bytes[6] & 0x0F) | 0x40
        bytes[8] = (bytes[8] & 0x3F) | 0x80
        return UUID(uuid: (bytes[0], bytes[1], bytes[2], bytes[3], bytes[4], bytes[5], bytes[6], bytes[7],
                           bytes[8], bytes[9], bytes[10], bytes[11], bytes[12], bytes[13], bytes[14], bytes[15]))
    }
}

/// One input to the engine in a scenario. Inputs never depend on what the engine answered: an acknowledgement names
/// an alert by its position among the alerts active at that moment, so the same scenario drives any engine.
enum ScenarioStep: Sendable {
    /// Starts the session that later steps call `slot` (0-based, in start order; a refused start leaves it empty).
    case start(slot: Int, request: StartSessionRequest)
    /// An observation; `observedAgoSeconds` before the clock's time.
    case observe(slot: Int, request: ObservationRequest, observedAgoSeconds: Double)
    /// The previous observation of the slot sent again, as a station retries after a lost answer.
    case retryObservation(slot: Int)
    case act(slot: Int, request: ActionRequest)
    /// Acknowledges the `pick`-th (modulo) active alert in a stable order (session, rule, raise order); with
    /// `again`, an alert that is no longer active, which must be refused.
    case acknowledge(pick: Int, again: Bool, request: AcknowledgeRequest)
    /// Moves the clock forward by `seconds`, running the three timers every `tickEvery` seconds on the way.
    case wait(seconds: Double, tickEvery: Double)
}

/// A generated scenario: its seed (enough to rebuild it) and its steps.
struct Scenario: Sendable {
    var index: Int
    var seed: UInt64
    var steps: [ScenarioStep]
}

/// Builds clinically plausible scenarios from a seed: starts (mostly valid, some refused by a limit or a
/// contraindication, some with overrides), observations that sit near and across the profiles' thresholds
/// (config/profiles), actions (valid and out of turn), acknowledgements and waits of minutes to hours.
enum ScenarioGenerator {
    /// The seed every scenario seed is drawn from; changing it changes every golden file.
    static let masterSeed: UInt64 = 0x1D0C_A1E5_2026_0001
    /// Scenarios per golden file.
    static let perFile = 20
    /// Golden files.
    static let fileCount = 10

    static var scenarioCount: Int { perFile * fileCount }

    /// The seed of scenario `index`.
    static func seed(of index: Int) -> UInt64 {
        var rng = SplitMix64(seed: masterSeed)
        for _ in 0..<index { _ = rng.next() }
        return rng.next()
    }

    static func scenario(_ index: Int) -> Scenario {
        let seed = seed(of: index)
        var builder = Builder(rng: SplitMix64(seed: seed), index: index)
        builder.build()
        return Scenario(index: index, seed: seed, steps: builder.steps)
    }

    static let nurses = ["nurse-042", "nurse-107", "nurse-311"]
    static let clinicians = ["clin-017", "clin-230"]

    /// A builder that keeps the scenario's notional clock and the slots it started, to place steps plausibly.
    struct Builder {
        var rng: SplitMix64
        let index: Int
        var steps: [ScenarioStep] = []
        /// Seconds since the scenario started.
        var elapsed: Double = 0
        /// Each started slot's drug and baseline.
        var slots: [(drug: Drug, baseline: Vitals)] = []
        var feedSerial = 0

        init(rng: SplitMix64, index: Int) {
            self.rng = rng
            self.index = index
        }

        mutating func build() {
            let patient = "MRN-\(2000 + index)"
            let kind = rng.int(0...99)
            let long = rng.chance(8)
            if kind < 5 {
                runToDoseCap(patient: patient)
                return
            } else if kind < 8 {
                runPastADay(patient: patient)
                return
            } else if kind < 47 {
                start(drug: .lidocaine, patient: patient)
            } else if kind < 75 {
                start(drug: .ketamine, patient: patient)
            } else {
                // Both drugs for one patient: a rule's stop of one stops the other (X01).
                start(drug: .lidocaine, patient: patient)
                if rng.chance(60) { wait(rng.pick([60, 180, 420]), tick: 60) }
                start(drug: .ketamine, patient: patient)
            }
            let episodes = long ? rng.int(8...12) : rng.int(3...6)
            for _ in 0..<episodes {
                episode(long: long)
            }
            // The ending: most scenarios finish the session; some are left running.
            if rng.chance(70) { ending() }
        }

        /// A lidocaine session observed on time, hour after hour, until the clinical clock stops it at the
        /// cumulative dose cap (L16: 7.5 mg/kg or 500 mg).
        mutating func runToDoseCap(patient: String) {
            let baseline = baselineVitals(drug: .lidocaine)
            slots.append((.lidocaine, baseline))
            let weight = rng.number(58...92, step: 0.5)
            let rate = min(2, ((100 / weight) * 10).rounded(.down) / 10)
            steps.append(.start(slot: 0, request: StartSessionRequest(
                patientId: patient, drug: .lidocaine, weightKg: weight, heightCm: rng.number(155...190), sex: rng.pick([Sex.male, .female]),
                bolus: BolusOrder(doseMgPerKg: rng.pick([1, 1.5, 2]), durationMin: 20), infusion: InfusionOrder(rateMgPerKgPerHour: rate),
                prescriber: "clin-017", recordedBy: "nurse-042", baseline: baseline)))
            rounds(every: 15, count: 4)
            rounds(every: 60, count: rng.int(4...6))
            if rng.chance(60) { acknowledgeSome() }
            if rng.chance(60) { ending() }
        }

        /// A ketamine session (no dose cap) observed on schedule for more than 24 hours: L17 asks for a review.
        mutating func runPastADay(patient: String) {
            let baseline = baselineVitals(drug: .ketamine)
            slots.append((.ketamine, baseline))
            steps.append(.start(slot: 0, request: StartSessionRequest(
                patientId: patient, drug: .ketamine, weightKg: rng.number(50...110, step: 0.5), heightCm: rng.number(155...190),
                sex: rng.pick([Sex.male, .female]), infusion: InfusionOrder(rateMgPerKgPerHour: rng.number(0.1...0.3, step: 0.05)),
                prescriber: "clin-230", recordedBy: "nurse-107", baseline: baseline)))
            rounds(every: 15, count: 4)
            rounds(every: 30, count: 4)
            rounds(every: 60, count: 23)
            if rng.chance(50) { acknowledgeSome() }
            if rng.chance(50) { ending() }
        }

        /// On-time observation sets with normal vitals.
        mutating func rounds(every minutes: Double, count: Int) {
            for _ in 0..<count {
                wait(minutes * 60, tick: minutes < 60 ? 300 : 1800)
                for slot in slots.indices {
                    observe(slot: slot, vitals: normalVitals(slot: slot), symptoms: [], sedation: Sedation(scale: .POSS, value: "1"), pain: rng.int(0...5))
                }
            }
        }

        // MARK: Starts

        mutating func start(drug: Drug, patient: String) {
            let slot = slots.count
            let baseline = baselineVitals(drug: drug)
            slots.append((drug, baseline))
            steps.append(.start(slot: slot, request: startRequest(drug: drug, patient: patient, baseline: baseline)))
        }

        mutating func baselineVitals(drug: Drug) -> Vitals {
            var rhythm: Rhythm = .sinus
            if rng.chance(6) { rhythm = rng.pick([.sinusBradycardia, .atrialFibrillation, .avBlock1, .avBlock2]) }
            return Vitals(heartRateBpm: rng.number(58...92), systolicMmHg: rng.number(108...146), diastolicMmHg: rng.number(62...88),
                          spo2Percent: rng.number(95...100), respiratoryRatePerMin: rng.number(12...18),
                          qrsMs: rng.number(80...104, step: 2), prMs: rng.number(140...184, step: 2), rhythm: rhythm)
        }

        mutating func startRequest(drug: Drug, patient: String, baseline: Vitals) -> StartSessionRequest {
            let sex: Sex = rng.chance(50) ? .male : .female
            var weight = rng.number(48...118, step: 0.5)
            if rng.chance(5) { weight = rng.number(34...39.5, step: 0.5) }
            let height = rng.number(150...195)
            let dosingWeight: DosingWeightKind? = rng.chance(60) ? nil : rng.pick(DosingWeightKind.allCases)
            var bolus: BolusOrder?
            var infusion: InfusionOrder?
            var override: Override?
            var flags: PatientFlags?
            var contraindicationOverride: Override?
            var planned: Double?
            switch drug {
            case .lidocaine:
                if rng.chance(85) {
                    bolus = BolusOrder(doseMgPerKg: rng.number(1...2, step: 0.25), durationMin: rng.pick([20, 25, 30]))
                }
                // Keep most rates under the 100 mg/h cap at this weight; some go over it and are refused.
                let cap = 100 / weight
                infusion = InfusionOrder(rateMgPerKgPerHour: rng.chance(96) ? rng.number(0.5...max(0.5, min(2, cap)), step: 0.1)
                                                                            : rng.number(1.5...2.5, step: 0.1))
            case .ketamine:
                if rng.chance(60) {
                    bolus = BolusOrder(doseMgPerKg: rng.number(0.1...0.3, step: 0.05), durationMin: rng.pick([5, 10, 15]))
                }
                infusion = InfusionOrder(rateMgPerKgPerHour: rng.number(0.1...0.8, step: 0.05))
            }
            // Out-of-limit orders: soft (with or without an override) or hard.
            let limitRoll = rng.int(0...99)
            if limitRoll < 6 {
                switch drug {
                case .lidocaine: bolus = BolusOrder(doseMgPerKg: rng.pick([3.5, 4]), durationMin: 20)
                case .ketamine: bolus = BolusOrder(doseMgPerKg: rng.pick([0.4, 0.45]), durationMin: 10)
                }
                if rng.chance(60) { override = Override(by: "clin-017", reason: "higher loading dose agreed with the pain team") }
            } else if limitRoll < 8 {
                switch drug {
                case .lidocaine: bolus = BolusOrder(doseMgPerKg: 6, durationMin: 20)
                case .ketamine: infusion = InfusionOrder(rateMgPerKgPerHour: 2.5)
                }
            } else if limitRoll < 12, drug == .lidocaine {
                bolus = BolusOrder(doseMgPerKg: 1.5, durationMin: 10)
                if rng.chance(70) { override = Override(by: "clin-230", reason: "faster bolus per regimen") }
            }
            // Flags: relative (review override), absolute (refused unless overridden), age, a recent nerve block.
            let flagRoll = rng.int(0...99)
            if flagRoll < 10 {
                let relative: [PatientCondition] = drug == .lidocaine
                    ? [.heartFailure, .hepaticImpairment, .renalImpairment, .classIAntiarrhythmic]
                    : [.renalImpairment, .heartFailure]
                flags = PatientFlags(conditions: [rng.pick(relative)], ageYears: rng.int(30...68))
                if rng.chance(80) { override = override ?? Override(by: "clin-017", reason: "reviewed relative contraindication") }
            } else if flagRoll < 15 {
                let absolute: [PatientCondition] = drug == .lidocaine
                    ? [.conductionBlock, .localAnaestheticAllergy, .uncontrolledSeizures]
                    : [.activePsychosis, .pregnancy, .raisedIntracranialPressure]
                flags = PatientFlags(conditions: [rng.pick(absolute)])
                if rng.chance(50) { contraindicationOverride = Override(by: "clin-230", reason: "paced; benefit outweighs risk") }
            } else if flagRoll < 22 {
                flags = PatientFlags(ageYears: rng.int(71...88))
                if rng.chance(70) { override = override ?? Override(by: "clin-017", reason: "age reviewed") }
            } else if flagRoll < 26 {
                let hoursAgo = rng.pick([1.0, 3.0, 5.0])
                flags = PatientFlags(ageYears: rng.int(25...60),
                                     lastNerveBlockAt: GoldenClock.start.addingTimeInterval(elapsed - hoursAgo * 3600))
            } else if flagRoll < 40 {
                flags = PatientFlags(ageYears: rng.int(20...70))
            }
            if weight < 40, override == nil, rng.chance(70) { override = Override(by: "clin-017", reason: "low weight reviewed") }
            if drug == .lidocaine, rng.chance(12) { planned = rng.pick([90, 120, 240]) }
            return StartSessionRequest(
                patientId: patient, drug: drug, weightKg: weight, heightCm: height, sex: sex, dosingWeight: dosingWeight,
                bolus: bolus, infusion: infusion, prescriber: rng.pick(ScenarioGenerator.clinicians),
                recordedBy: rng.pick(ScenarioGenerator.nurses), baseline: baseline, override: override, flags: flags,
                plannedDurationMin: planned, contraindicationOverride: contraindicationOverride)
        }

        // MARK: Episodes

        mutating func episode(long: Bool) {
            let roll = rng.int(0...99)
            switch roll {
            case 0..<30: routineRound(long: long)
            case 30..<42: vitalsEvent()
            case 42..<52: symptomEvent()
            case 52..<58: sedationEvent()
            case 58..<66: monitorFeed()
            case 66..<76: doseChange()
            case 76..<84: pauseResume()
            case 84..<89: outOfTurnAction()
            case 89..<94: serumLevel()
            default: acknowledgeSome()
            }
            if rng.chance(35) { acknowledgeSome() }
        }

        mutating func anySlot() -> Int { rng.int(0...(slots.count - 1)) }

        /// Waits until about the next observation; sometimes late, sometimes very late (L20).
        mutating func routineRound(long: Bool) {
            let lateness = rng.int(0...99)
            var minutes: Double = long ? rng.pick([30, 45, 60, 60, 60]) : rng.pick([5, 10, 15, 15, 15])
            if lateness < 12 { minutes += rng.pick([8, 18, 35, 75]) }
            wait(minutes * 60, tick: minutes > 30 ? 600 : rng.pick([120, 300]))
            for slot in slots.indices where rng.chance(85) {
                observe(slot: slot, vitals: normalVitals(slot: slot), symptoms: rng.chance(60) ? [] : nil,
                        sedation: rng.chance(50) ? Sedation(scale: .POSS, value: rng.pick(["S", "1", "1"])) : nil,
                        pain: rng.chance(40) ? rng.int(0...8) : nil)
            }
        }

        mutating func normalVitals(slot: Int) -> Vitals {
            let base = slots[slot].baseline
            return Vitals(heartRateBpm: (base.heartRateBpm ?? 75) + rng.number(-6...6), systolicMmHg: (base.systolicMmHg ?? 125) + rng.number(-10...8),
                          diastolicMmHg: (base.diastolicMmHg ?? 75) + rng.number(-6...6), spo2Percent: min(100, (base.spo2Percent ?? 97) + rng.number(-2...1)),
                          respiratoryRatePerMin: (base.respiratoryRatePerMin ?? 14) + rng.number(-2...2),
                          qrsMs: rng.chance(50) ? base.qrsMs : nil, prMs: rng.chance(50) ? base.prMs : nil,
                          rhythm: rng.chance(60) ? base.rhythm : nil)
        }

        /// A vital sign crossing (or sitting just inside) a threshold, by hand entry.
        mutating func vitalsEvent() {
            let slot = anySlot()
            wait(Double(rng.int(1...8)) * 60, tick: 60)
            var vitals = normalVitals(slot: slot)
            switch rng.int(0...10) {
            case 0: vitals.heartRateBpm = rng.pick([36, 40, 41, 44, 48, 50, 52])
            case 1: vitals.systolicMmHg = rng.pick([76, 79, 80, 88, 90, 91, 95]); vitals.diastolicMmHg = rng.pick([40, 50, 60])
            case 2: vitals.spo2Percent = rng.pick([86, 90, 91, 92, 93])
            case 3: vitals.respiratoryRatePerMin = rng.pick([6, 8, 9, 10, 11])
            case 4: vitals.qrsMs = rng.pick([110, 118, 120, 126, 130]); vitals.prMs = rng.pick([180, 200, 206, 230])
            case 5: vitals.rhythm = rng.pick([.avBlock1, .avBlock2, .avBlock3, .atrialFibrillation, .ventricularEctopy, .sinusTachycardia])
            case 6: vitals.rhythm = rng.pick([.ventricularTachycardia, .ventricularFibrillation, .asystole, .pea])
            case 7: vitals.heartRateBpm = rng.pick([108, 111, 125, 131, 140])
            case 8: vitals.systolicMmHg = rng.pick([175, 180, 200, 219, 220, 230]); vitals.diastolicMmHg = rng.pick([95, 110, 115])
            case 9: vitals.heartRateBpm = rng.pick([46, 50]); vitals.systolicMmHg = rng.pick([84, 92])
            default: vitals.systolicMmHg = (vitals.systolicMmHg ?? 120) * 0.68
            }
            observe(slot: slot, vitals: vitals, symptoms: rng.chance(50) ? [] : nil, sedation: nil, pain: nil)
            if rng.chance(40) {
                // A repeat some minutes later, back to normal or still abnormal.
                wait(Double(rng.pick([1, 2, 5])) * 60, tick: 30)
                observe(slot: slot, vitals: rng.chance(50) ? normalVitals(slot: slot) : vitals, symptoms: [], sedation: nil, pain: nil)
            }
        }

        mutating func symptomEvent() {
            let slot = anySlot()
            wait(Double(rng.int(2...12)) * 60, tick: 60)
            let stage1: [Symptom] = [.tinnitus, .perioralNumbness, .metallicTaste, .lightheadedness, .dizziness]
            let symptoms: [Symptom]
            switch rng.int(0...9) {
            case 0, 1, 2: symptoms = [rng.pick(stage1)]
            case 3: symptoms = [rng.pick(stage1), rng.pick(stage1)]
            case 4: symptoms = [rng.pick([.visualDisturbance, .slurredSpeech, .muscleTwitching, .tremor, .confusion, .agitation])]
            case 5: symptoms = [rng.pick([.seizure, .lossOfConsciousness, .apnoea])]
            case 6, 7: symptoms = [rng.pick([.headache, .nausea, .drowsiness])]
            case 8: symptoms = [rng.pick([.hallucinations, .dysphoria, .dissociation])]
            default: symptoms = [rng.pick([.palpitations, .arrhythmia, .chestPain])]
            }
            observe(slot: slot, vitals: rng.chance(70) ? normalVitals(slot: slot) : nil, symptoms: symptoms, sedation: nil, pain: nil)
            // The stage-1 rechecks every 5 minutes, kept or missed.
            for _ in 0..<rng.int(0...3) {
                wait(rng.pick([5, 5, 7, 12]) * 60, tick: 60)
                if rng.chance(80) {
                    observe(slot: slot, vitals: normalVitals(slot: slot), symptoms: rng.chance(30) ? [rng.pick(stage1)] : [], sedation: nil, pain: nil)
                }
            }
        }

        mutating func sedationEvent() {
            let slot = anySlot()
            wait(Double(rng.int(2...10)) * 60, tick: 60)
            let sedation = rng.chance(60)
                ? Sedation(scale: .POSS, value: rng.pick(["S", "1", "2", "3", "4"]))
                : Sedation(scale: .RASS, value: rng.pick(["-5", "-4", "-3", "-2", "-1", "0", "+1", "+2", "+3", "+4"]))
            observe(slot: slot, vitals: rng.chance(50) ? normalVitals(slot: slot) : nil, symptoms: rng.chance(40) ? [] : nil,
                    sedation: sedation, pain: nil)
        }

        /// Monitor-feed readings: a run of normal ones, an artefact value answered by a normal repeat or a confirming
        /// one, and silence long enough for the stale-feed rule L21.
        mutating func monitorFeed() {
            let slot = anySlot()
            feedSerial += 1
            let feed = "monitor-\(slot)-\(feedSerial % 2)"
            for _ in 0..<rng.int(1...3) {
                wait(rng.pick([30, 60, 120]), tick: 30)
                observe(slot: slot, vitals: normalVitals(slot: slot), symptoms: nil, sedation: nil, pain: nil, feed: feed)
            }
            if rng.chance(70) {
                var artefact = normalVitals(slot: slot)
                switch rng.int(0...4) {
                case 0: artefact.heartRateBpm = rng.pick([30, 38, 45])
                case 1: artefact.systolicMmHg = rng.pick([70, 85])
                case 2: artefact.spo2Percent = rng.pick([78, 89])
                case 3: artefact.respiratoryRatePerMin = rng.pick([4, 9])
                default: artefact.systolicMmHg = rng.pick([185, 225]); artefact.heartRateBpm = rng.pick([118, 135])
                }
                wait(rng.pick([30, 60]), tick: 30)
                observe(slot: slot, vitals: artefact, symptoms: nil, sedation: nil, pain: nil, feed: feed)
                let repeatAfter = rng.pick([30.0, 90, 150])
                wait(repeatAfter, tick: 30)
                observe(slot: slot, vitals: rng.chance(50) ? artefact : normalVitals(slot: slot), symptoms: nil, sedation: nil,
                        pain: nil, feed: feed)
            }
            if rng.chance(50) { wait(rng.pick([4, 6, 11]) * 60, tick: 60) }
        }

        mutating func doseChange() {
            let slot = anySlot()
            let drug = slots[slot].drug
            wait(Double(rng.int(1...10)) * 60, tick: 120)
            let clinician = rng.pick(ScenarioGenerator.clinicians)
            if rng.chance(55) {
                var rate = drug == .lidocaine ? rng.number(0.5...2, step: 0.1) : rng.number(0.1...1, step: 0.05)
                var override: Override?
                if rng.chance(15) {
                    rate = drug == .lidocaine ? rng.pick([2.2, 2.8, 3.5]) : rng.pick([1.2, 1.8, 2.4])
                    if rng.chance(60) { override = Override(by: clinician, reason: "rate above protocol agreed") }
                }
                act(slot: slot, ActionRequest(action: .rateChange, by: clinician, infusion: InfusionOrder(rateMgPerKgPerHour: rate), override: override))
            } else {
                var bolus = drug == .lidocaine ? BolusOrder(doseMgPerKg: rng.pick([0.5, 1, 1.5]), durationMin: rng.pick([8, 20, 30]))
                                               : BolusOrder(doseMgPerKg: rng.pick([0.1, 0.2, 0.3]), durationMin: rng.pick([5, 10]))
                var override: Override?
                if rng.chance(25) {
                    override = Override(by: clinician, reason: "top-up outside protocol agreed")
                    if rng.chance(30) { bolus.doseMgPerKg *= 4 }
                }
                act(slot: slot, ActionRequest(action: .bolus, by: clinician, bolus: bolus, override: override))
            }
        }

        mutating func pauseResume() {
            let slot = anySlot()
            wait(Double(rng.int(1...6)) * 60, tick: 60)
            let by = rng.pick(ScenarioGenerator.nurses)
            act(slot: slot, ActionRequest(action: .pause, by: by, reason: rng.chance(50) ? "patient to bathroom" : nil))
            wait(Double(rng.int(2...20)) * 60, tick: 60)
            if rng.chance(30) { act(slot: slot, ActionRequest(action: .pumpStopped, by: by)) }
            act(slot: slot, ActionRequest(action: .resume, by: rng.pick(ScenarioGenerator.clinicians),
                                          reason: rng.chance(85) ? "reviewed, settled" : nil))
        }

        /// An action that is often not allowed in the session's state, to record the refusals too.
        mutating func outOfTurnAction() {
            let slot = anySlot()
            wait(Double(rng.int(1...5)) * 60, tick: 60)
            let by = rng.pick(ScenarioGenerator.clinicians)
            let request: ActionRequest
            switch rng.int(0...6) {
            case 0: request = ActionRequest(action: .resume, by: by, reason: "try resume")
            case 1: request = ActionRequest(action: .close, by: by)
            case 2: request = ActionRequest(action: .pumpStopped, by: by)
            case 3: request = ActionRequest(action: .stop, by: by, reason: "clinical decision")
            case 4: request = ActionRequest(action: .rateChange, by: by)
            case 5: request = ActionRequest(action: .bolus, by: by)
            default: request = ActionRequest(action: .end, by: by)
            }
            act(slot: slot, request)
        }

        mutating func serumLevel() {
            let slot = anySlot()
            wait(Double(rng.int(5...30)) * 60, tick: 300)
            observe(slot: slot, vitals: nil, symptoms: nil, sedation: nil, pain: nil,
                    serum: rng.pick([1.8, 3.2, 4.9, 5, 5.4, 7.5, 10, 10.6]))
        }

        mutating func acknowledgeSome() {
            wait(rng.pick([20, 45, 90, 200]), tick: rng.pick([20, 30]))
            steps.append(.acknowledge(pick: rng.int(0...5), again: rng.chance(8),
                                      request: AcknowledgeRequest(by: rng.pick(ScenarioGenerator.nurses),
                                                                  note: rng.chance(40) ? "at the bedside" : nil)))
        }

        /// The end: stop or end, bedside confirmation, acknowledgements, the post-infusion window, close.
        mutating func ending() {
            for slot in slots.indices {
                let by = rng.pick(ScenarioGenerator.clinicians)
                wait(Double(rng.int(1...20)) * 60, tick: 300)
                act(slot: slot, ActionRequest(action: rng.chance(70) ? .end : .stop, by: by, reason: "course complete"))
                if rng.chance(80) { act(slot: slot, ActionRequest(action: .pumpStopped, by: rng.pick(ScenarioGenerator.nurses))) }
                for _ in 0..<rng.int(0...3) { acknowledgeSome() }
                if rng.chance(30) {
                    // Closing before the post-infusion window: refused (L22) unless overridden.
                    act(slot: slot, ActionRequest(action: .close, by: by,
                                                  override: rng.chance(50) ? Override(by: by, reason: "transferred to ward") : nil))
                }
                for _ in 0..<rng.int(1...4) {
                    wait(15 * 60, tick: 300)
                    observe(slot: slot, vitals: normalVitals(slot: slot), symptoms: [], sedation: nil, pain: nil)
                }
                if rng.chance(50) { wait(Double(rng.pick([15, 40])) * 60, tick: 300) }
                act(slot: slot, ActionRequest(action: .close, by: by))
            }
        }

        // MARK: Primitives

        mutating func wait(_ seconds: Double, tick: Double) {
            elapsed += seconds
            // At most four looks per wait keeps the suite quick; the timers catch up at whichever look comes next.
            steps.append(.wait(seconds: seconds, tickEvery: max(tick, (seconds / 4).rounded(.up))))
        }

        mutating func observe(slot: Int, vitals: Vitals?, symptoms: [Symptom]?, sedation: Sedation?, pain: Int?,
                              serum: Double? = nil, feed: String? = nil) {
            let ago: Double = feed == nil && rng.chance(30) ? rng.pick([5, 30, 60]) : 0
            var request = ObservationRequest(eventId: rng.uuid(), observedAt: GoldenClock.start, recordedBy: rng.pick(ScenarioGenerator.nurses),
                                             vitals: vitals, symptoms: symptoms, sedation: sedation, painNrs: pain, serumLevelUgPerMl: serum)
            request.feedId = feed
            if vitals == nil, symptoms == nil, sedation == nil, pain == nil, serum == nil { request.symptoms = [] }
            steps.append(.observe(slot: slot, request: request, observedAgoSeconds: ago))
            if rng.chance(3) { steps.append(.retryObservation(slot: slot)) }
        }

        mutating func act(slot: Int, _ request: ActionRequest) {
            var request = request
            if rng.chance(70) { request.eventId = rng.uuid() }
            steps.append(.act(slot: slot, request: request))
        }
    }
}

/// The fake clock every scenario starts at (the timer tests' start, whole milliseconds).
enum GoldenClock {
    static let start = WireJSON.truncatedToMilliseconds(Date(timeIntervalSince1970: 1_795_000_000))
}
