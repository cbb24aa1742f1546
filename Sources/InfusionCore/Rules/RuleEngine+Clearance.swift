/// Which rules an evaluation shows to be clear, so their alerts can resolve (CLINICAL §7: "let a condition that
/// clears resolve its alert").
///
/// A rule is clear only when the evaluation proves it false: every condition of every entry with the rule's id has
/// a clause whose input was present and out of range. A clause whose input is missing (a vital sign not measured,
/// symptoms not asked) proves nothing, so a partial observation never resolves an alert it did not re-check. Clauses
/// this check does not understand count as unproven, which errs towards keeping alerts.
extension RuleEngine {
    /// The ids of the rules this context proves clear and that did not fire in `decisions`.
    public static func clearedRuleIds(_ rules: [Rule], context: RuleContext, decisions: [Decision]) -> Set<String> {
        let reading = Reading(context: context)
        let fired = Set(decisions.map(\.ruleId))
        var cleared: Set<String> = []
        var unproven: Set<String> = []
        for rule in rules where !fired.contains(rule.id) {
            if !rule.anyOf.isEmpty && rule.anyOf.allSatisfy({ provenFalse($0, reading: reading) }) {
                cleared.insert(rule.id)
            } else {
                unproven.insert(rule.id)
            }
        }
        return cleared.subtracting(unproven)
    }

    /// Whether some clause of the condition was measured and does not hold (so the whole condition cannot hold).
    static func provenFalse(_ condition: RuleCondition, reading: Reading) -> Bool {
        for (metric, bounds) in condition.values ?? [:] {
            if let observed = reading.value(metric), !bounds.contains(observed) { return true }
            // A sedation score on the other scale still rules out every level it cannot stand for (CLINICAL §8).
            if metric == .rassLevel, reading.value(metric) == nil, let sedation = reading.observation?.sedation,
               let possible = sedation.possibleRassLevels(agitationAssessedAbsent: reading.agitationAssessedAbsent),
               !possible.contains(where: { bounds.contains(Double($0)) }) {
                return true
            }
        }
        // Symptoms were assessed when the observation carries a symptom list, even an empty one.
        if let symptoms = reading.observation?.symptoms {
            let present = Set(symptoms)
            if let wanted = condition.symptomsAny, !wanted.contains(where: present.contains) { return true }
            if let grouping = condition.symptomGroups,
               grouping.groups.filter({ $0.contains(where: present.contains) }).count < grouping.atLeast {
                return true
            }
        }
        if let rhythm = reading.observation?.vitals?.rhythm {
            if let allowed = condition.rhythmIn, !allowed.contains(rhythm) { return true }
            if condition.rhythmDiffersFromBaseline == true, let baseline = reading.baseline.rhythm, rhythm == baseline {
                return true
            }
        }
        return false
    }
}

extension RuleEngine.Reading {
    /// Whether the observation's symptom checklist was taken and did not record agitation.
    var agitationAssessedAbsent: Bool {
        guard let symptoms = observation?.symptoms else { return false }
        return !symptoms.contains(.agitation)
    }
}
