/// Conditions are written flat in the profile: `{heartRateBpm: {atMost: 40}, rhythmIn: [...]}`.
/// Unknown keys are refused so a typo never silently disables a clause.
extension RuleCondition {
    private struct Key: CodingKey {
        var stringValue: String
        var intValue: Int? { nil }
        init(stringValue: String) { self.stringValue = stringValue }
        init?(intValue: Int) { nil }
    }

    private static let clauseKeys = [
        "symptomsAny", "symptomGroups", "rhythmIn", "rhythmDiffersFromBaseline", "flagsAny", "otherSessionStopped",
        "recurringAfterResume",
    ]

    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: Key.self)
        var values: [RuleMetric: Bounds] = [:]
        for key in container.allKeys {
            if let metric = RuleMetric(rawValue: key.stringValue) {
                values[metric] = try container.decode(Bounds.self, forKey: key)
            } else if !Self.clauseKeys.contains(key.stringValue) {
                let known = (Self.clauseKeys + RuleMetric.allCases.map(\.rawValue)).joined(separator: ", ")
                throw DecodingError.dataCorruptedError(
                    forKey: key, in: container,
                    debugDescription: "unknown condition key '\(key.stringValue)'; known keys: \(known)")
            }
        }
        self.init(
            values: values.isEmpty ? nil : values,
            symptomsAny: try container.decodeIfPresent([Symptom].self, forKey: Key(stringValue: "symptomsAny")),
            symptomGroups: try container.decodeIfPresent(SymptomGroups.self, forKey: Key(stringValue: "symptomGroups")),
            rhythmIn: try container.decodeIfPresent([Rhythm].self, forKey: Key(stringValue: "rhythmIn")),
            rhythmDiffersFromBaseline: try container.decodeIfPresent(
                Bool.self, forKey: Key(stringValue: "rhythmDiffersFromBaseline")),
            flagsAny: try container.decodeIfPresent([PatientCondition].self, forKey: Key(stringValue: "flagsAny")),
            otherSessionStopped: try container.decodeIfPresent(Bool.self, forKey: Key(stringValue: "otherSessionStopped")),
            recurringAfterResume: try container.decodeIfPresent(Bool.self, forKey: Key(stringValue: "recurringAfterResume"))
        )
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: Key.self)
        for (metric, bounds) in values ?? [:] {
            try container.encode(bounds, forKey: Key(stringValue: metric.rawValue))
        }
        try container.encodeIfPresent(symptomsAny, forKey: Key(stringValue: "symptomsAny"))
        try container.encodeIfPresent(symptomGroups, forKey: Key(stringValue: "symptomGroups"))
        try container.encodeIfPresent(rhythmIn, forKey: Key(stringValue: "rhythmIn"))
        try container.encodeIfPresent(rhythmDiffersFromBaseline, forKey: Key(stringValue: "rhythmDiffersFromBaseline"))
        try container.encodeIfPresent(flagsAny, forKey: Key(stringValue: "flagsAny"))
        try container.encodeIfPresent(otherSessionStopped, forKey: Key(stringValue: "otherSessionStopped"))
        try container.encodeIfPresent(recurringAfterResume, forKey: Key(stringValue: "recurringAfterResume"))
    }
}
