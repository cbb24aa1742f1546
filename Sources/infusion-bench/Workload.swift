import Foundation
import InfusionCore

/// The realistic mix every station posts: mostly normal vitals, some symptoms that raise alerts.
///
/// Every observation carries the symptom checklist, as the lidocaine schedule asks (vitals, sedation and the
/// checklist): on a normal set it is assessed and empty, which clears a standing symptom alert (L10 tinnitus or
/// metallic taste: pause, medium; L12 headache or nausea: low), so the next symptom raises a new alert rather than
/// being folded into the standing one. Each symptom therefore raises an alert and the session's next normal set
/// resolves it: about 2 × symptomPercent % of observations change an alert.
struct Workload: Sendable, CustomStringConvertible {
    let symptomPercent: Double

    var description: String {
        "\(String(format: "%g", 100 - symptomPercent)) % normal vitals with a negative symptom checklist (resolves a standing symptom alert), \(String(format: "%g", symptomPercent)) % one symptom (tinnitus or metallic taste → L10 pause, medium; headache or nausea → L12 alert, low)"
    }

    static let baseline = Vitals(heartRateBpm: 72, systolicMmHg: 128, diastolicMmHg: 78, spo2Percent: 98,
                                 respiratoryRatePerMin: 14, qrsMs: 90, prMs: 160, rhythm: .sinus)

    /// A start request for the n-th bench session (70 kg, the standard lidocaine regimen).
    static func start(_ index: Int) -> StartSessionRequest {
        StartSessionRequest(
            patientId: "BENCH-\(index)", drug: .lidocaine, weightKg: 70, heightCm: 175, sex: .male, dosingWeight: .actual,
            bolus: BolusOrder(doseMgPerKg: 1.5, durationMin: 20), infusion: InfusionOrder(rateMgPerKgPerHour: 1.0),
            prescriber: "clin-bench", recordedBy: "nurse-bench", baseline: baseline)
    }

    /// The n-th observation: normal vitals with small variation and the symptom checklist; every so often a single symptom.
    func observation(_ index: Int, station: Int) -> ObservationRequest {
        var generator = SplitMix(seed: UInt64(index) &* 0x9E37_79B9_7F4A_7C15 &+ UInt64(station))
        let vitals = Vitals(
            heartRateBpm: Double(66 + generator.next() % 14), systolicMmHg: Double(118 + generator.next() % 16),
            diastolicMmHg: Double(72 + generator.next() % 10), spo2Percent: Double(96 + generator.next() % 4),
            respiratoryRatePerMin: Double(12 + generator.next() % 5), qrsMs: 90, prMs: 160, rhythm: .sinus)
        let symptomatic = Double(generator.next() % 10_000) < symptomPercent * 100
        let symptoms: [Symptom] = symptomatic ? [[.tinnitus, .headache, .nausea, .metallicTaste][Int(generator.next() % 4)]] : []
        return ObservationRequest(observedAt: Date(), recordedBy: "nurse-bench-\(station)", vitals: vitals, symptoms: symptoms)
    }
}

/// A small deterministic generator so runs post the same mix.
struct SplitMix {
    var state: UInt64
    init(seed: UInt64) { state = seed }
    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}
