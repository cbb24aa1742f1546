/// A drug profile: regimen limits and the stop/alert rules, loaded from reviewed YAML (CLINICAL §6).
public struct RuleProfile: Codable, Sendable, Hashable {
    public var drug: Drug
    /// A human title, e.g. "Lidocaine IV for neuropathic pain".
    public var title: String
    public var defaultDosingWeight: DosingWeightKind
    public var limits: RegimenLimits
    public var rules: [Rule]
    /// The observation schedule and L20/L21 limits; ``ScheduleSpec/standard(for:)`` when the profile has none.
    public var schedule: ScheduleSpec?
    /// The alarm escalation timers; ``EscalationSpec/standard`` when the profile has none.
    public var escalation: EscalationSpec?
    /// How the predicted plasma level is modelled (CLINICAL §4); ``PharmacokineticsSettings/standard(for:)`` when absent.
    public var pharmacokinetics: PharmacokineticsSettings?
    /// The start checks L18/L19 (CLINICAL §3); none are made when absent.
    public var startChecks: StartChecks?
    /// The rule id and priority a regimen-limit override is recorded under; L15 low when absent (ketamine: K01).
    public var regimenRule: RegimenRule?

    /// The schedule in force for this profile.
    public var resolvedSchedule: ScheduleSpec { schedule ?? .standard(for: drug) }
    /// The escalation timers in force for this profile; without a `neverEscalate` list, the override and review
    /// records of ``overrideRecordRuleIds`` do not escalate.
    public var resolvedEscalation: EscalationSpec {
        var spec = escalation ?? .standard
        if spec.neverEscalate == nil { spec.neverEscalate = overrideRecordRuleIds }
        return spec
    }

    /// The rules whose decisions only record what a clinician already decided: L18 (absolute contraindication
    /// overridden), L19 (reviewed before start), the regimen rule (soft limit overridden: L15, ketamine K01) and
    /// L22 (closed early by override).
    public var overrideRecordRuleIds: [String] {
        [SessionFactory.contraindicationRuleId, SessionFactory.reviewRuleId, resolvedRegimenRule.id, ScheduleRules.earlyCloseRuleId]
    }
    /// The pharmacokinetic settings in force for this profile.
    public var resolvedPharmacokinetics: PharmacokineticsSettings { pharmacokinetics ?? .standard(for: drug) }
    /// The regimen-limit rule in force for this profile.
    public var resolvedRegimenRule: RegimenRule { regimenRule ?? .standard }

    public init(drug: Drug, title: String, defaultDosingWeight: DosingWeightKind, limits: RegimenLimits, rules: [Rule]) {
        self.drug = drug
        self.title = title
        self.defaultDosingWeight = defaultDosingWeight
        self.limits = limits
        self.rules = rules
    }
}

/// One rule entry. A rule id may have several entries (e.g. a PAUSE band and a STOP band); the most severe that
/// fires wins for that id.
public struct Rule: Codable, Sendable, Hashable {
    public var id: String
    /// Fires when any of these conditions holds; each condition holds when all of its clauses hold.
    public var anyOf: [RuleCondition]
    public var action: DecisionAction
    public var priority: AlertPriority
    /// The sentence shown to staff; the observed values are appended.
    public var reason: String
    public var review: Bool?
    public var emergency: Bool?
    /// Adds the patient's 20 % lipid emulsion doses to the decision (CLINICAL §2).
    public var lipidGuidance: Bool?
    /// This entry does not fire when any of these rule ids fired on the same input ("alone" rules such as L12).
    public var suppressedBy: [String]?
    /// Artefact confirmation (CLINICAL §6, Cvach 2014): a vital sign from a monitor feed acts only when a reading
    /// within this many seconds before it also met the rule; until then the rule raises its alert and asks for a
    /// repeat. Vital-sign rules only, never symptoms, sedation, ECG or rhythm.
    public var confirmWithinSeconds: Double?

    public init(
        id: String, anyOf: [RuleCondition], action: DecisionAction, priority: AlertPriority, reason: String,
        review: Bool? = nil, emergency: Bool? = nil, lipidGuidance: Bool? = nil, suppressedBy: [String]? = nil,
        confirmWithinSeconds: Double? = nil
    ) {
        self.id = id
        self.anyOf = anyOf
        self.action = action
        self.priority = priority
        self.reason = reason
        self.review = review
        self.emergency = emergency
        self.lipidGuidance = lipidGuidance
        self.suppressedBy = suppressedBy
        self.confirmWithinSeconds = confirmWithinSeconds
    }
}

/// A numeric range; every bound given must hold.
public struct Bounds: Codable, Sendable, Hashable {
    public var above: Double?
    public var atLeast: Double?
    public var below: Double?
    public var atMost: Double?
    public var equals: Double?

    public init(above: Double? = nil, atLeast: Double? = nil, below: Double? = nil, atMost: Double? = nil, equals: Double? = nil) {
        self.above = above
        self.atLeast = atLeast
        self.below = below
        self.atMost = atMost
        self.equals = equals
    }

    private enum CodingKeys: String, CodingKey, CaseIterable {
        case above, atLeast, below, atMost, equals
    }

    private struct AnyKey: CodingKey {
        var stringValue: String
        var intValue: Int? { nil }
        init(stringValue: String) { self.stringValue = stringValue }
        init?(intValue: Int) { nil }
    }

    /// Decodes bounds from a profile, refusing unknown keys and bounds that set no limit: either would turn a
    /// clause into one that matches every observed value.
    public init(from decoder: any Decoder) throws {
        let known = CodingKeys.allCases.map(\.rawValue).joined(separator: ", ")
        let keys = try decoder.container(keyedBy: AnyKey.self)
        if let unknown = keys.allKeys.first(where: { CodingKeys(rawValue: $0.stringValue) == nil }) {
            throw DecodingError.dataCorruptedError(
                forKey: unknown, in: keys,
                debugDescription: "unknown bound '\(unknown.stringValue)'; known bounds: \(known)")
        }
        let container = try decoder.container(keyedBy: CodingKeys.self)
        self.init(
            above: try container.decodeIfPresent(Double.self, forKey: .above),
            atLeast: try container.decodeIfPresent(Double.self, forKey: .atLeast),
            below: try container.decodeIfPresent(Double.self, forKey: .below),
            atMost: try container.decodeIfPresent(Double.self, forKey: .atMost),
            equals: try container.decodeIfPresent(Double.self, forKey: .equals))
        if isEmpty {
            throw DecodingError.dataCorrupted(DecodingError.Context(
                codingPath: decoder.codingPath,
                debugDescription: "a bound that sets no limit would match every value; give at least one of \(known)"))
        }
    }

    /// Whether the value lies inside every bound.
    public func contains(_ value: Double) -> Bool {
        if let above, !(value > above) { return false }
        if let atLeast, !(value >= atLeast) { return false }
        if let below, !(value < below) { return false }
        if let atMost, !(value <= atMost) { return false }
        if let equals, value != equals { return false }
        return true
    }

    /// Whether no bound is set (such a clause would match everything).
    public var isEmpty: Bool { above == nil && atLeast == nil && below == nil && atMost == nil && equals == nil }

    /// The bounds as JSON, for a decision's recorded thresholds.
    public var json: JSONValue {
        var object: [String: JSONValue] = [:]
        if let above { object["above"] = .number(above) }
        if let atLeast { object["atLeast"] = .number(atLeast) }
        if let below { object["below"] = .number(below) }
        if let atMost { object["atMost"] = .number(atMost) }
        if let equals { object["equals"] = .number(equals) }
        return .object(object)
    }
}

/// A set of symptoms counted in groups: lightheadedness and dizziness are one sign (CLINICAL §6, L10/L11).
public struct SymptomGroups: Codable, Sendable, Hashable {
    public var groups: [[Symptom]]
    public var atLeast: Int

    public init(groups: [[Symptom]], atLeast: Int) {
        self.groups = groups
        self.atLeast = atLeast
    }
}

/// One condition of a rule: all of its clauses must hold. Numeric clauses hold only when the value was observed.
public struct RuleCondition: Codable, Sendable, Hashable {
    /// Numeric inputs and their bounds, keyed by `RuleMetric` raw values.
    public var values: [RuleMetric: Bounds]?
    public var symptomsAny: [Symptom]?
    public var symptomGroups: SymptomGroups?
    public var rhythmIn: [Rhythm]?
    /// Holds when the observed rhythm is not the baseline's.
    public var rhythmDiffersFromBaseline: Bool?
    /// Holds when the session was started with any of these conditions flagged.
    public var flagsAny: [PatientCondition]?
    /// Holds when the daemon is evaluating this session because a rule stopped another open session of the same
    /// patient (X01).
    public var otherSessionStopped: Bool?
    /// Holds when a symptom of this condition's `symptomsAny` is observed now and was also observed before the
    /// session's latest resume (L11: recurring after resume).
    public var recurringAfterResume: Bool?

    public init(
        values: [RuleMetric: Bounds]? = nil, symptomsAny: [Symptom]? = nil, symptomGroups: SymptomGroups? = nil,
        rhythmIn: [Rhythm]? = nil, rhythmDiffersFromBaseline: Bool? = nil, flagsAny: [PatientCondition]? = nil,
        otherSessionStopped: Bool? = nil, recurringAfterResume: Bool? = nil
    ) {
        self.values = values
        self.symptomsAny = symptomsAny
        self.symptomGroups = symptomGroups
        self.rhythmIn = rhythmIn
        self.rhythmDiffersFromBaseline = rhythmDiffersFromBaseline
        self.flagsAny = flagsAny
        self.otherSessionStopped = otherSessionStopped
        self.recurringAfterResume = recurringAfterResume
    }

    /// Whether the condition has no clause at all (which the profile loader refuses).
    public var isEmpty: Bool {
        (values ?? [:]).isEmpty && symptomsAny == nil && symptomGroups == nil && rhythmIn == nil
            && rhythmDiffersFromBaseline == nil && flagsAny == nil && otherSessionStopped == nil
            && recurringAfterResume == nil
    }
}

/// A numeric input a rule can test, read from an observation and the session's baseline.
public enum RuleMetric: String, Codable, Sendable, CaseIterable, CodingKeyRepresentable {
    case heartRateBpm, systolicMmHg, diastolicMmHg, meanArterialMmHg, spo2Percent, respiratoryRatePerMin
    case qrsMs, prMs
    /// Percent fall of heart rate below the baseline (positive when lower).
    case heartRateDropPercent
    /// Percent fall of systolic pressure below the baseline.
    case systolicDropPercent
    /// Percent rise of QRS duration above the baseline.
    case qrsRisePercent
    /// Percent rise of PR interval above the baseline.
    case prRisePercent
    /// POSS level, with RASS mapped onto it (CLINICAL §8).
    case possLevel
    case rassLevel
    case serumLevelUgPerMl
    case painNrs
    /// Milligrams delivered so far in the session (L16).
    case deliveredMg
    /// Milligrams per kg of dosing weight delivered so far (L16).
    case deliveredMgPerKg
    /// Hours since the session started, while delivery is running or paused (L17).
    case infusionHours
    /// The upper band (×2) of the predicted plasma level now, µg/mL (L14).
    case predictedUpperNowUgPerMl
    /// The upper band (×2) of the steady state of the programmed infusion rate, µg/mL (L14).
    case predictedUpperSteadyStateUgPerMl
    /// Minutes the session has been paused, at the observation (L11: persisting after a pause).
    case pausedMinutes
    /// The patient's age in years, from the start flags.
    case ageYears
    /// The patient's actual body weight in kg.
    case weightKg
}
