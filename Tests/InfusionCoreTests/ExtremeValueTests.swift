import Foundation
import InfusionCore
import Testing

/// Values a fuzzer sends: none of them may trap; all must come back as problems.
@Suite("Extreme values never trap")
struct ExtremeValueTests {
    @Test("a limit check on an absurd rate reports a hard breach instead of trapping", arguments: [1.5e308, 1e20, 9.3e18])
    func absurdRate(rate: Double) throws {
        let limits = RegimenLimits(
            bolusDoseMgPerKg: DoseLimit(softMin: 1, softMax: 3, hardMax: 5), bolusDurationMin: DoseLimit(softMin: 20, softMax: 30, hardMin: 5),
            infusionRateMgPerKgPerHour: DoseLimit(softMin: 0.5, softMax: 2, hardMax: 3), infusionMgPerHour: DoseLimit(hardMax: 100))
        let breaches = limits.check(bolus: nil, infusion: InfusionOrder(rateMgPerKgPerHour: rate), dosingWeightKg: 70)
        #expect(breaches.first?.severity == .hard)
        #expect(breaches.first?.message.isEmpty == false)
    }

    @Test("request validation refuses absurd but finite regimen figures", arguments: [
        (InfusionOrder(rateMgPerKgPerHour: 1.5e308), nil, "infusion.rateMgPerKgPerHour"),
        (nil, BolusOrder(doseMgPerKg: 1e300, durationMin: 20), "bolus.doseMgPerKg"),
        (nil, BolusOrder(doseMgPerKg: 1, durationMin: 1e300), "bolus.durationMin"),
    ] as [(InfusionOrder?, BolusOrder?, String)])
    func absurdRegimen(infusion: InfusionOrder?, bolus: BolusOrder?, field: String) {
        let request = ActionRequest(action: .rateChange, by: "clin-017", infusion: infusion, bolus: bolus)
        #expect {
            try RequestValidation.validate(request)
        } throws: { error in
            (error as? DomainError)?.code == "dose.invalid" && (error as? DomainError)?.field == field
        }
    }

    @Test("timestamps far outside the calendar format without trapping", arguments: [Date.distantFuture, Date.distantPast, Date(timeIntervalSince1970: 1e300)])
    func extremeDates(date: Date) {
        #expect(!WireJSON.formatTimestamp(date).isEmpty)
    }
}
