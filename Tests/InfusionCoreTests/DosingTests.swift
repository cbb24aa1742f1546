import Foundation
import InfusionCore
import Testing

/// Dosing weights (CLINICAL §3), computed doses and the sedation scales (CLINICAL §8).
@Suite("Dosing and sedation scales")
struct DosingTests {
    @Test("Devine ideal body weight")
    func devine() {
        #expect(Dosing.round(Dosing.idealBodyWeightKg(heightCm: 175, sex: .male)) == 70.34)
        #expect(Dosing.round(Dosing.idealBodyWeightKg(heightCm: 160, sex: .female)) == 52.34)
        #expect(Dosing.round(Dosing.idealBodyWeightKg(heightCm: 152.4, sex: .male)) == 50)
        #expect(Dosing.round(Dosing.idealBodyWeightKg(heightCm: 152.4, sex: .female)) == 45.5)
    }

    @Test("Dosing weight by kind", arguments: [
        // (kind, actual kg, height cm, sex, expected)
        (DosingWeightKind.actual, 82.456, nil, nil, 82.46),
        (.actual, 70, 175, Sex.male, 70),
        (.ideal, 90, 175, .male, 70.34),
        (.ideal, 80, 160, .female, 52.34),
        // Never dose on more than the patient weighs.
        (.ideal, 60, 175, .male, 60),
        (.adjusted, 100, 175, .male, 82.2),  // 70.34 + 0.4 × 29.66 = 82.204
        (.adjusted, 70.34, 175, .male, 70.34),
        (.adjusted, 60, 175, .male, 60),  // below ideal: actual
        (.adjusted, 80, 160, .female, 63.4),  // 52.34 + 0.4 × 27.66 = 63.404
    ] as [(DosingWeightKind, Double, Double?, Sex?, Double)])
    func dosingWeight(_ kind: DosingWeightKind, _ actualKg: Double, _ heightCm: Double?, _ sex: Sex?, _ expected: Double) {
        #expect(Dosing.dosingWeightKg(kind: kind, actualKg: actualKg, heightCm: heightCm, sex: sex) == expected)
    }

    @Test("Ideal and adjusted weights need height and sex", arguments: [DosingWeightKind.ideal, .adjusted])
    func missingHeightOrSex(_ kind: DosingWeightKind) {
        #expect(Dosing.dosingWeightKg(kind: kind, actualKg: 80, heightCm: nil, sex: .male) == nil)
        #expect(Dosing.dosingWeightKg(kind: kind, actualKg: 80, heightCm: 175, sex: nil) == nil)
        #expect(Dosing.dosingWeightKg(kind: kind, actualKg: 80, heightCm: nil, sex: nil) == nil)
    }

    @Test("Doses in mg and mg/h at the dosing weight")
    func computedDoses() {
        let loading = ComputedDoses(bolus: BolusOrder(doseMgPerKg: 1.5, durationMin: 20),
                                    infusion: InfusionOrder(rateMgPerKgPerHour: 1), dosingWeightKg: 70)
        #expect(loading.bolusMg == 105)
        #expect(loading.bolusRateMgPerHour == 315)
        #expect(loading.infusionMgPerHour == 70)

        let infusionOnly = ComputedDoses(bolus: nil, infusion: InfusionOrder(rateMgPerKgPerHour: 1.5), dosingWeightKg: 70)
        #expect(infusionOnly.bolusMg == nil)
        #expect(infusionOnly.bolusRateMgPerHour == nil)
        #expect(infusionOnly.infusionMgPerHour == 105)

        let zeroDuration = ComputedDoses(bolus: BolusOrder(doseMgPerKg: 1, durationMin: 0), infusion: nil, dosingWeightKg: 70)
        #expect(zeroDuration.bolusMg == 70)
        #expect(zeroDuration.bolusRateMgPerHour == nil)
        #expect(zeroDuration.infusionMgPerHour == nil)

        let fiveHourRegimen = ComputedDoses(bolus: BolusOrder(doseMgPerKg: 1.5, durationMin: 10),
                                            infusion: InfusionOrder(rateMgPerKgPerHour: 1.5), dosingWeightKg: 70)
        #expect(fiveHourRegimen.bolusRateMgPerHour == 630)
    }

    @Test("Rounding to 0.01")
    func rounding() {
        #expect(Dosing.round(82.204) == 82.2)
        #expect(Dosing.round(-30.000000000000004) == -30)
    }

    @Test("POSS values", arguments: [
        ("S", 1), ("s", 1), ("1", 1), ("2", 2), ("3", 3), ("4", 4),
    ])
    func possValid(_ value: String, _ level: Int) {
        let sedation = Sedation(scale: .POSS, value: value)
        #expect(sedation.possLevel == level)
        #expect(sedation.rassLevel == nil)
        #expect(sedation.isValid)
        #expect(sedation.equivalentPossLevel == level)
    }

    /// RASS 0 and above are not sedated: POSS 1, awake and alert (CLINICAL §8), so a RASS 0 set is an assessed level.
    @Test("RASS values and their POSS equivalent", arguments: [
        ("-5", -5, 4), ("-4", -4, 4), ("-3", -3, 3), ("-2", -2, 3), ("-1", -1, 2), ("0", 0, 1),
        ("+1", 1, 1), ("1", 1, 1), ("+2", 2, 1), ("2", 2, 1), ("+3", 3, 1), ("+4", 4, 1), ("4", 4, 1),
    ] as [(String, Int, Int?)])
    func rassValid(_ value: String, _ level: Int, _ poss: Int?) {
        let sedation = Sedation(scale: .RASS, value: value)
        #expect(sedation.rassLevel == level)
        #expect(sedation.possLevel == nil)
        #expect(sedation.isValid)
        #expect(sedation.equivalentPossLevel == poss)
    }

    @Test("Invalid sedation values", arguments: [
        Sedation(scale: .POSS, value: "0"), Sedation(scale: .POSS, value: "5"), Sedation(scale: .POSS, value: "-1"),
        Sedation(scale: .POSS, value: ""), Sedation(scale: .POSS, value: "drowsy"), Sedation(scale: .POSS, value: "2.5"),
        Sedation(scale: .RASS, value: "-6"), Sedation(scale: .RASS, value: "+5"), Sedation(scale: .RASS, value: "5"),
        Sedation(scale: .RASS, value: "S"), Sedation(scale: .RASS, value: "+"), Sedation(scale: .RASS, value: ""),
        Sedation(scale: .RASS, value: "-1.5"), Sedation(scale: .RASS, value: " 1"),
    ])
    func invalid(_ sedation: Sedation) {
        #expect(!sedation.isValid)
        #expect(sedation.possLevel == nil)
        #expect(sedation.rassLevel == nil)
        #expect(sedation.equivalentPossLevel == nil)
    }
}
