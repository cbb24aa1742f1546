import Foundation
import InfusionCore

/// `GET /v1/station`: what the pages need to know before they show anything: who is signed in and with which
/// roles, how patients are named, the symptom checklist grouped by the toxicity ladder (CLINICAL §2, stage 1
/// first), the sedation scales (CLINICAL §8) and which role may take which session action.
struct StationFacts: Codable, Sendable, Hashable {
    /// One group of the checklist.
    struct SymptomStage: Codable, Sendable, Hashable {
        var title: String
        var symptoms: [Choice]
    }

    /// A value the API takes and the words a person reads for it.
    struct Choice: Codable, Sendable, Hashable {
        var value: String
        var label: String
    }

    var user: String?
    var roles: [String]
    var patientDisplay: String
    var heartbeatSeconds: Double
    var symptomStages: [SymptomStage]
    var sedation: [String: [Choice]]
    var actions: [String: [String]]

    /// The checklist as CLINICAL §2 orders it, then the side effects (CLINICAL §1) and ketamine's psychotomimetic
    /// effects (CLINICAL §5). Every symptom the API takes appears exactly once (a test checks it).
    static let symptomStages: [SymptomStage] = [
        SymptomStage(title: "Stage 1 — early CNS", symptoms: [
            Choice(value: "perioralNumbness", label: "Perioral or tongue numbness"), Choice(value: "metallicTaste", label: "Metallic taste"),
            Choice(value: "tinnitus", label: "Tinnitus"), Choice(value: "lightheadedness", label: "Lightheadedness"),
            Choice(value: "dizziness", label: "Dizziness"),
        ]),
        SymptomStage(title: "Stage 2 — objective CNS", symptoms: [
            Choice(value: "visualDisturbance", label: "Visual disturbance"), Choice(value: "slurredSpeech", label: "Slurred speech"),
            Choice(value: "confusion", label: "Confusion"), Choice(value: "agitation", label: "Agitation"),
        ]),
        SymptomStage(title: "Stage 3 — pre-convulsive", symptoms: [
            Choice(value: "muscleTwitching", label: "Muscle twitching"), Choice(value: "tremor", label: "Tremor"),
        ]),
        SymptomStage(title: "Stage 4 — seizure", symptoms: [Choice(value: "seizure", label: "Seizure")]),
        SymptomStage(title: "Stage 5 — CNS depression", symptoms: [
            Choice(value: "lossOfConsciousness", label: "Loss of consciousness"), Choice(value: "apnoea", label: "Apnoea"),
        ]),
        SymptomStage(title: "Stage 6 — cardiovascular", symptoms: [
            Choice(value: "palpitations", label: "Palpitations"), Choice(value: "arrhythmia", label: "Arrhythmia"),
            Choice(value: "chestPain", label: "Chest pain"),
        ]),
        SymptomStage(title: "Side effects", symptoms: [
            Choice(value: "headache", label: "Headache"), Choice(value: "nausea", label: "Nausea"),
            Choice(value: "drowsiness", label: "Drowsiness"),
        ]),
        SymptomStage(title: "Ketamine: psychotomimetic", symptoms: [
            Choice(value: "hallucinations", label: "Hallucinations"), Choice(value: "dysphoria", label: "Dysphoria"),
            Choice(value: "dissociation", label: "Dissociation"),
        ]),
    ]

    /// POSS and RASS as CLINICAL §8 words them.
    static let sedation: [String: [Choice]] = [
        "POSS": [
            Choice(value: "S", label: "S — asleep, easy to rouse"), Choice(value: "1", label: "1 — awake and alert"),
            Choice(value: "2", label: "2 — slightly drowsy"), Choice(value: "3", label: "3 — frequently drowsy, drifts off"),
            Choice(value: "4", label: "4 — somnolent, minimal or no response"),
        ],
        "RASS": [
            Choice(value: "+4", label: "+4 — combative"), Choice(value: "+3", label: "+3 — very agitated"),
            Choice(value: "+2", label: "+2 — agitated"), Choice(value: "+1", label: "+1 — restless"),
            Choice(value: "0", label: "0 — alert and calm"), Choice(value: "-1", label: "−1 — drowsy"),
            Choice(value: "-2", label: "−2 — light sedation"), Choice(value: "-3", label: "−3 — moderate sedation"),
            Choice(value: "-4", label: "−4 — deep sedation"), Choice(value: "-5", label: "−5 — unarousable"),
        ],
    ]

    init(identity: WebIdentity?, access: WebAccess, heartbeatSeconds: Double) {
        user = identity?.user
        roles = (identity?.roles ?? []).map(\.rawValue).sorted()
        patientDisplay = access.patientDisplay.rawValue
        self.heartbeatSeconds = heartbeatSeconds
        symptomStages = Self.symptomStages
        sedation = Self.sedation
        actions = Dictionary(uniqueKeysWithValues: AccessRules.actions.map { ($0.key.rawValue, $0.value.map(\.rawValue).sorted()) })
    }
}
