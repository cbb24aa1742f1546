import Foundation
import InfusionCore

/// Sessions and observations for the rule and state-machine tests.
enum SessionFixture {
    /// A fixed clock for every test.
    static let now = Date(timeIntervalSince1970: 1_800_000_000)

    /// The full baseline set used unless a test says otherwise.
    static let baseline = Vitals(
        heartRateBpm: 72, systolicMmHg: 128, diastolicMmHg: 78, spo2Percent: 98, respiratoryRatePerMin: 14,
        qrsMs: 90, prMs: 160, rhythm: .sinus)

    /// A running 70 kg lidocaine session on 1 mg/kg/h with the given baseline and state.
    static func session(
        state: SessionState = .running, weightKg: Double = 70, baseline: Vitals = baseline,
        infusion: InfusionOrder? = InfusionOrder(rateMgPerKgPerHour: 1), bolus: BolusOrder? = nil
    ) -> Session {
        Session(
            id: UUID(uuidString: "00000000-0000-0000-0000-000000000001")!, patientId: "MRN-TEST-1", drug: .lidocaine,
            state: state, weightKg: weightKg, heightCm: nil, sex: nil, dosingWeight: .actual, dosingWeightKg: weightKg,
            bolus: bolus, infusion: infusion, prescriber: "dr.ada", startedBy: "rn.bo", startedAt: now.addingTimeInterval(-3600),
            baseline: baseline, override: nil, ruleSetHash: "test")
    }

    /// The baseline with some fields replaced.
    static func baseline(heartRateBpm: Double? = nil, systolicMmHg: Double? = nil, qrsMs: Double? = nil,
                         prMs: Double? = nil, rhythm: Rhythm? = nil) -> Vitals {
        var vitals = baseline
        if let heartRateBpm { vitals.heartRateBpm = heartRateBpm }
        if let systolicMmHg { vitals.systolicMmHg = systolicMmHg }
        if let qrsMs { vitals.qrsMs = qrsMs }
        if let prMs { vitals.prMs = prMs }
        if let rhythm { vitals.rhythm = rhythm }
        return vitals
    }

    /// An observation at `now`.
    static func observation(
        vitals: Vitals? = nil, symptoms: [Symptom]? = nil, sedation: Sedation? = nil, serum: Double? = nil
    ) -> ObservationRequest {
        ObservationRequest(
            eventId: UUID(uuidString: "00000000-0000-0000-0000-0000000000aa")!, observedAt: now, recordedBy: "rn.bo",
            vitals: vitals, symptoms: symptoms, sedation: sedation, serumLevelUgPerMl: serum)
    }
}
