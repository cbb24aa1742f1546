import Foundation

/// The profile's start checks (CLINICAL §3 and §6 L18/L19): which declared conditions refuse a start unless a
/// clinician overrides them, which need a recorded clinician review, and the nerve-block, age and weight limits.
public struct StartChecks: Codable, Sendable, Hashable {
    /// Absolute contraindications (L18): the start is refused unless `contraindicationOverride` is given.
    public var absolute: [PatientCondition]
    /// Relative contraindications (L19): the start needs a clinician review, given as `override`.
    public var relative: [PatientCondition]
    /// A nerve block or other local anaesthetic less than this many hours before start is an absolute
    /// contraindication (L18: 4 h); nil when not checked.
    public var nerveBlockWithinHours: Double?
    /// An age above this many years needs a review (L19: 70); nil when not checked.
    public var reviewAgeAboveYears: Int?
    /// An actual weight below this many kg needs a review (L19: 40 kg); nil when not checked.
    public var reviewWeightBelowKg: Double?
    /// Baseline ECG rhythms that are an absolute contraindication (L18; CLINICAL §3: 2nd/3rd-degree AV block), checked
    /// on the baseline set whatever the declared flags say; nil when not checked.
    public var absoluteBaselineRhythms: [Rhythm]?

    public init(
        absolute: [PatientCondition], relative: [PatientCondition], nerveBlockWithinHours: Double? = nil,
        reviewAgeAboveYears: Int? = nil, reviewWeightBelowKg: Double? = nil, absoluteBaselineRhythms: [Rhythm]? = nil
    ) {
        self.absolute = absolute
        self.relative = relative
        self.nerveBlockWithinHours = nerveBlockWithinHours
        self.reviewAgeAboveYears = reviewAgeAboveYears
        self.reviewWeightBelowKg = reviewWeightBelowKg
        self.absoluteBaselineRhythms = absoluteBaselineRhythms
    }

    /// What the checks found for one start request.
    public struct Findings: Sendable, Hashable {
        /// Absolute contraindications, each as a short phrase (e.g. `conductionBlock`, `nerve block 2.5 h ago`).
        public var absolute: [String] = []
        /// The request field each absolute contraindication was read from (`flags`, `baseline.rhythm`), in order.
        public var absoluteFields: [String] = []
        /// Reasons a review is needed, each as a short phrase (e.g. `heartFailure`, `age 75 > 70`).
        public var relative: [String] = []
        /// The inputs the checks looked at, for the decision record.
        public var inputs: [String: JSONValue] = [:]
        /// The limits the checks applied, for the decision record.
        public var thresholds: [String: JSONValue] = [:]
    }

    /// Checks a start request at `now`. A nerve-block time in the future counts as within the window.
    public func findings(for request: StartSessionRequest, now: Date) -> Findings {
        var findings = Findings()
        let flags = request.flags ?? PatientFlags()
        for condition in absolute where flags.has(condition) {
            findings.absolute.append(condition.rawValue)
            findings.absoluteFields.append("flags")
        }
        if let hours = nerveBlockWithinHours, let last = flags.lastNerveBlockAt {
            let since = now.timeIntervalSince(last) / 3600
            findings.inputs["lastNerveBlockAt"] = .string(WireJSON.formatTimestamp(last))
            findings.thresholds["nerveBlockWithinHours"] = .number(hours)
            if since < hours {
                findings.absolute.append("nerve block or local anaesthetic \(RegimenLimits.format(Dosing.round(since))) h ago (less than \(RegimenLimits.format(hours)) h)")
                findings.absoluteFields.append("flags")
            }
        }
        // The baseline ECG is part of the start check: a block on it is as absolute as a declared one.
        if let rhythms = absoluteBaselineRhythms, let rhythm = request.baseline?.rhythm, rhythms.contains(rhythm) {
            findings.inputs["baselineRhythm"] = .string(rhythm.rawValue)
            findings.thresholds["absoluteBaselineRhythms"] = .array(rhythms.map { .string($0.rawValue) })
            findings.absolute.append("baseline ECG shows \(rhythm.clinicalName) (\(rhythm.rawValue))")
            findings.absoluteFields.append("baseline.rhythm")
        }
        for condition in relative where flags.has(condition) { findings.relative.append(condition.rawValue) }
        if let limit = reviewAgeAboveYears, let age = flags.ageYears {
            findings.inputs["ageYears"] = .number(Double(age))
            findings.thresholds["reviewAgeAboveYears"] = .number(Double(limit))
            if age > limit { findings.relative.append("age \(age) > \(limit)") }
        }
        if let limit = reviewWeightBelowKg {
            findings.inputs["weightKg"] = .number(request.weightKg)
            findings.thresholds["reviewWeightBelowKg"] = .number(limit)
            if request.weightKg < limit {
                findings.relative.append("weight \(RegimenLimits.format(request.weightKg)) kg < \(RegimenLimits.format(limit)) kg")
            }
        }
        let declared = flags.conditions.filter { absolute.contains($0) || relative.contains($0) }
        if !declared.isEmpty { findings.inputs["conditions"] = .array(declared.sorted().map { .string($0.rawValue) }) }
        return findings
    }
}

/// The rule id and alert priority a regimen-limit override is recorded under (L15 for lidocaine, K01 for ketamine).
public struct RegimenRule: Codable, Sendable, Hashable {
    public var id: String
    public var priority: AlertPriority

    public init(id: String, priority: AlertPriority) {
        self.id = id
        self.priority = priority
    }

    /// L15 at low priority (CLINICAL §6).
    public static let standard = RegimenRule(id: SessionMachine.regimenRuleId, priority: .low)
}
