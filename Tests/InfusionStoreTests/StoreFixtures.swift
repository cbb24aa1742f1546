import Foundation
import InfusionCore
import InfusionStore

/// Small rule sets and requests for store tests; rule thresholds themselves are tested in InfusionCoreTests.
enum StoreFixtures {
    static let start = Date(timeIntervalSince1970: 1_795_000_000)

    static let ruleSet: RuleSet = {
        let limits = RegimenLimits(
            bolusDoseMgPerKg: DoseLimit(softMin: 1, softMax: 3, hardMax: 5),
            bolusDurationMin: DoseLimit(softMin: 20, softMax: 30, hardMin: 5),
            infusionRateMgPerKgPerHour: DoseLimit(softMin: 0.5, softMax: 2, hardMax: 3),
            infusionMgPerHour: DoseLimit(hardMax: 100))
        let rules = [
            Rule(id: "L10", anyOf: [RuleCondition(symptomsAny: [.tinnitus, .perioralNumbness])], action: .pause,
                 priority: .medium, reason: "Early CNS toxicity: pause."),
            Rule(id: "L11", anyOf: [RuleCondition(symptomGroups: SymptomGroups(groups: [[.tinnitus], [.perioralNumbness]], atLeast: 2))],
                 action: .stop, priority: .high, reason: "Two early signs together: stop.", lipidGuidance: true),
            Rule(id: "L04", anyOf: [RuleCondition(values: [.heartRateBpm: Bounds(atMost: 40)])], action: .stop,
                 priority: .high, reason: "Bradycardia: stop."),
        ]
        let profile = RuleProfile(drug: .lidocaine, title: "test", defaultDosingWeight: .actual, limits: limits, rules: rules)
        return RuleSet(profiles: [.lidocaine: profile], hash: String(repeating: "ab", count: 32))
    }()

    static let baseline = Vitals(heartRateBpm: 72, systolicMmHg: 128, diastolicMmHg: 78, spo2Percent: 98,
                                 respiratoryRatePerMin: 14, qrsMs: 90, prMs: 160, rhythm: .sinus)

    static func startRequest(rate: Double = 1.0, override: Override? = nil) -> StartSessionRequest {
        StartSessionRequest(
            patientId: "MRN-1001", drug: .lidocaine, weightKg: 70, heightCm: 175, sex: .male, dosingWeight: .actual,
            bolus: BolusOrder(doseMgPerKg: 1.5, durationMin: 20), infusion: InfusionOrder(rateMgPerKgPerHour: rate),
            prescriber: "clin-017", recordedBy: "nurse-042", baseline: baseline, override: override)
    }

    static func observation(_ symptoms: [Symptom] = [], heartRate: Double? = nil, at offset: TimeInterval = 60) -> ObservationRequest {
        ObservationRequest(
            eventId: UUID(), observedAt: start.addingTimeInterval(offset), recordedBy: "nurse-042",
            vitals: heartRate.map { Vitals(heartRateBpm: $0) }, symptoms: symptoms.isEmpty ? nil : symptoms)
    }

    static let nurse = AuditActor(person: "nurse-042", uid: 1000, gid: 1000, pid: 42)

    static func store() throws -> ClinicalStore {
        ClinicalStore(database: try ClinicalDatabase())
    }

    /// A fresh temporary folder for file-backed databases.
    static func temporaryFolder() throws -> String {
        let path = NSTemporaryDirectory() + "infusion-store-\(UUID().uuidString.prefix(8))"
        try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
        return path
    }
}
