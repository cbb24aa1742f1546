/// An adverse effect a nurse can record, in the API's camelCase codes.
public enum Symptom: String, Codable, Sendable, CaseIterable, Comparable {
    case tinnitus, perioralNumbness, metallicTaste, lightheadedness, dizziness, visualDisturbance
    case slurredSpeech, muscleTwitching, tremor, confusion, agitation, seizure, lossOfConsciousness
    case apnoea, headache, nausea, drowsiness, palpitations, arrhythmia, chestPain, hallucinations
    case dysphoria, dissociation

    public static func < (lhs: Symptom, rhs: Symptom) -> Bool { lhs.rawValue < rhs.rawValue }
}
