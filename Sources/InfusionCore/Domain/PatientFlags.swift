import Foundation

/// A condition recorded at start that the profile's start checks treat as an absolute or relative
/// contraindication (CLINICAL §3 and §5), and that may change the pharmacokinetic model (CLINICAL §4).
public enum PatientCondition: String, Codable, Sendable, CaseIterable, Comparable {
    // Absolute for lidocaine (CLINICAL §3).
    /// Allergy to an amide local anaesthetic.
    case localAnaestheticAllergy
    /// 2nd/3rd-degree AV block, severe sino-atrial or intraventricular block, Stokes–Adams or WPW without pacemaker.
    case conductionBlock
    case cardiovascularInstability
    case reducedConsciousness
    case uncontrolledSeizures
    // Relative for lidocaine (CLINICAL §3); heart failure and hepatic impairment also change the PK model.
    case heartFailure
    /// Another class I antiarrhythmic.
    case classIAntiarrhythmic
    /// Severe hepatic impairment.
    case hepaticImpairment
    /// Severe renal impairment.
    case renalImpairment
    case electrolyteDisturbance
    case pregnancy
    // Ketamine contraindications (CLINICAL §5).
    case poorlyControlledCardiovascularDisease
    case activePsychosis
    case raisedIntracranialPressure
    case raisedIntraocularPressure

    public static func < (lhs: PatientCondition, rhs: PatientCondition) -> Bool { lhs.rawValue < rhs.rawValue }
}

/// What the prescriber declares about the patient at start: conditions (each a boolean field on the wire), age and
/// the time of the last nerve block or other local anaesthetic. Unknown fields are refused, so a misspelt
/// condition can never be silently ignored.
public struct PatientFlags: Codable, Sendable, Hashable {
    /// The conditions declared present.
    public var conditions: Set<PatientCondition>
    /// Age in whole years.
    public var ageYears: Int?
    /// When the patient last had a nerve block or another local anaesthetic (L18: none within 4 h).
    public var lastNerveBlockAt: Date?

    public init(conditions: Set<PatientCondition> = [], ageYears: Int? = nil, lastNerveBlockAt: Date? = nil) {
        self.conditions = conditions
        self.ageYears = ageYears
        self.lastNerveBlockAt = lastNerveBlockAt
    }

    /// Whether a condition was declared present.
    public func has(_ condition: PatientCondition) -> Bool { conditions.contains(condition) }

    private struct Key: CodingKey {
        var stringValue: String
        var intValue: Int? { nil }
        init(stringValue: String) { self.stringValue = stringValue }
        init?(intValue: Int) { nil }
    }

    private static let otherKeys = ["ageYears", "lastNerveBlockAt"]

    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: Key.self)
        var conditions: Set<PatientCondition> = []
        for key in container.allKeys {
            if let condition = PatientCondition(rawValue: key.stringValue) {
                if try container.decode(Bool.self, forKey: key) { conditions.insert(condition) }
            } else if !Self.otherKeys.contains(key.stringValue) {
                let known = (PatientCondition.allCases.map(\.rawValue) + Self.otherKeys).joined(separator: ", ")
                throw DecodingError.dataCorruptedError(
                    forKey: key, in: container,
                    debugDescription: "unknown flag '\(key.stringValue)'; known flags: \(known)")
            }
        }
        self.init(
            conditions: conditions,
            ageYears: try container.decodeIfPresent(Int.self, forKey: Key(stringValue: "ageYears")),
            lastNerveBlockAt: try container.decodeIfPresent(Date.self, forKey: Key(stringValue: "lastNerveBlockAt")))
    }

    /// Writes each present condition as `true`; absent conditions are left out.
    public func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: Key.self)
        for condition in conditions.sorted() {
            try container.encode(true, forKey: Key(stringValue: condition.rawValue))
        }
        try container.encodeIfPresent(ageYears, forKey: Key(stringValue: "ageYears"))
        try container.encodeIfPresent(lastNerveBlockAt, forKey: Key(stringValue: "lastNerveBlockAt"))
    }
}
