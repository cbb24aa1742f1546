import Foundation

/// Checks of the clinical-model parts of a profile that decoding cannot make: artefact confirmation only on
/// vital-sign rules, clauses that need a partner clause, conditions that would fire on every event, and sound
/// pharmacokinetic and start-check settings.
extension RuleProfile {
    /// One problem: the rule it is in (when it is in one), the top-level key otherwise, and what is wrong.
    public struct ModelProblem: Sendable, Hashable {
        public var ruleId: String?
        public var key: String
        public var message: String
    }

    /// The metrics a monitor reports: the only inputs artefact confirmation may wait for (CLINICAL §6: never for
    /// symptoms or ECG rules).
    public static let monitorVitalMetrics: Set<RuleMetric> = [
        .heartRateBpm, .systolicMmHg, .diastolicMmHg, .meanArterialMmHg, .spo2Percent, .respiratoryRatePerMin,
        .heartRateDropPercent, .systolicDropPercent,
    ]

    /// Metrics fixed for the whole session: a condition of only these (and `flagsAny`) would fire on every event.
    public static let sessionConstantMetrics: Set<RuleMetric> = [.ageYears, .weightKg]

    /// Every problem found, in profile order; empty when the profile is sound.
    public var modelProblems: [ModelProblem] {
        var problems: [ModelProblem] = []
        for rule in rules {
            func problem(_ message: String) { problems.append(ModelProblem(ruleId: rule.id, key: "rules", message: "rule \(rule.id): \(message)")) }
            if let window = rule.confirmWithinSeconds {
                if !(window > 0 && window <= 600) {
                    problem("confirmWithinSeconds must be more than 0 and at most 600 (CLINICAL §6 asks for a repeat within 2 minutes)")
                }
                let onlyVitals = rule.anyOf.allSatisfy { condition in
                    condition.symptomsAny == nil && condition.symptomGroups == nil && condition.rhythmIn == nil
                        && condition.rhythmDiffersFromBaseline == nil && condition.otherSessionStopped == nil
                        && condition.recurringAfterResume == nil
                        && (condition.values ?? [:]).keys.allSatisfy(Self.monitorVitalMetrics.contains)
                }
                if !onlyVitals {
                    problem("confirmWithinSeconds is allowed only on rules about monitor vital signs (heart rate, blood pressure, SpO2, respiratory rate), never on symptoms, sedation, ECG, rhythm or dose rules")
                }
            }
            for condition in rule.anyOf {
                if condition.recurringAfterResume == false || condition.otherSessionStopped == false {
                    problem("recurringAfterResume and otherSessionStopped can only be true; remove the clause instead")
                }
                if condition.recurringAfterResume == true, condition.symptomsAny == nil {
                    problem("recurringAfterResume needs a symptomsAny list in the same condition (which symptoms recur)")
                }
                if condition.flagsAny?.isEmpty == true {
                    problem("an empty flagsAny list never matches")
                }
                let metrics = Set((condition.values ?? [:]).keys)
                let constantOnly = metrics.isSubset(of: Self.sessionConstantMetrics) && condition.symptomsAny == nil
                    && condition.symptomGroups == nil && condition.rhythmIn == nil && condition.rhythmDiffersFromBaseline == nil
                    && condition.otherSessionStopped == nil && condition.recurringAfterResume == nil
                if constantOnly, !condition.isEmpty {
                    problem("a condition of only flagsAny, ageYears or weightKg would fire on every observation; add a clause about what is observed or delivered")
                }
            }
        }
        if let settings = pharmacokinetics {
            func problem(_ message: String) { problems.append(ModelProblem(ruleId: nil, key: "pharmacokinetics", message: "pharmacokinetics: \(message)")) }
            for set in [settings.defaultSet, settings.heartFailureSet, settings.shortSessionSet].compactMap({ $0 }) where set.drug != drug {
                problem("\(set.rawValue) describes \(set.drug.rawValue), not \(drug.rawValue)")
            }
            if !(settings.upperBandFactor >= 1 && settings.upperBandFactor <= 10) {
                problem("upperBandFactor must be 1–10 (CLINICAL §4 uses 2)")
            }
            if let factor = settings.hepaticImpairmentK10Factor, !(factor > 0 && factor <= 1) {
                problem("hepaticImpairmentK10Factor must be more than 0 and at most 1 (CLINICAL §4 halves k10: 0.5)")
            }
            if (settings.shortSessionSet == nil) != (settings.shortSessionMaxMinutes == nil) {
                problem("shortSessionSet and shortSessionMaxMinutes go together")
            }
            if let minutes = settings.shortSessionMaxMinutes, !(minutes > 0) {
                problem("shortSessionMaxMinutes must be positive")
            }
        }
        if let checks = startChecks {
            func problem(_ message: String) { problems.append(ModelProblem(ruleId: nil, key: "startChecks", message: "startChecks: \(message)")) }
            let both = Set(checks.absolute).intersection(checks.relative)
            if !both.isEmpty {
                problem("\(both.sorted().map(\.rawValue).joined(separator: ", ")) cannot be both absolute and relative")
            }
            if let hours = checks.nerveBlockWithinHours, !(hours > 0 && hours <= 72) { problem("nerveBlockWithinHours must be 0–72 h") }
            if let age = checks.reviewAgeAboveYears, !(0...130).contains(age) { problem("reviewAgeAboveYears must be 0–130") }
            if let weight = checks.reviewWeightBelowKg, !(weight > 0 && weight <= 400) { problem("reviewWeightBelowKg must be 0–400 kg") }
        }
        // Only a record of a decision already made may skip escalation; a rule that pauses or stops needs a response.
        for id in escalation?.neverEscalate ?? [] {
            if let rule = rules.first(where: { $0.id == id && $0.action >= .pause }) {
                problems.append(ModelProblem(ruleId: id, key: "escalation", message: "escalation.neverEscalate: rule \(id) \(rule.action.rawValue)s the infusion, which needs a response; its alerts must escalate"))
            }
        }
        if let rule = regimenRule, rule.id.trimmingCharacters(in: .whitespaces).isEmpty {
            problems.append(ModelProblem(ruleId: nil, key: "regimenRule", message: "regimenRule.id must name a rule, e.g. K01"))
        }
        return problems
    }
}
