/// The pure rule engine: an observation, the session it belongs to and the profile's rules in; decisions out.
/// Deterministic: the same inputs always give the same decisions in the same order.
public enum RuleEngine {
    /// Evaluates every rule against one observation and returns at most one decision per rule id (the most
    /// severe entry that fired), in the profile's rule order.
    public static func evaluate(_ rules: [Rule], observation: ObservationRequest, session: Session) -> [Decision] {
        let reading = Reading(observation: observation, baseline: session.baseline)
        var firedIds: Set<String> = []
        var best: [String: (rule: Rule, match: Match)] = [:]
        var order: [String] = []

        // Entries without `suppressedBy` first, so an "alone" rule sees what else fired.
        let plain = rules.filter { ($0.suppressedBy ?? []).isEmpty }
        let dependent = rules.filter { !($0.suppressedBy ?? []).isEmpty }
        for rule in plain + dependent {
            if let suppressors = rule.suppressedBy, suppressors.contains(where: firedIds.contains) { continue }
            guard let match = rule.anyOf.lazy.compactMap({ reading.match($0) }).first else { continue }
            firedIds.insert(rule.id)
            if let current = best[rule.id] {
                if rule.action > current.rule.action || (rule.action == current.rule.action && rule.priority > current.rule.priority) {
                    best[rule.id] = (rule, match)
                }
            } else {
                best[rule.id] = (rule, match)
                order.append(rule.id)
            }
        }
        let ruleOrder = Dictionary(rules.enumerated().map { ($1.id, $0) }, uniquingKeysWith: { first, _ in first })
        return order.sorted { ruleOrder[$0, default: 0] < ruleOrder[$1, default: 0] }.compactMap { id in
            guard let (rule, match) = best[id] else { return nil }
            return decision(rule: rule, match: match, session: session)
        }
    }

    private static func decision(rule: Rule, match: Match, session: Session) -> Decision {
        let observed = match.inputs.keys.sorted().map { "\($0) \(describe(match.inputs[$0]!))" }.joined(separator: ", ")
        let reason = observed.isEmpty ? rule.reason : "\(rule.reason) (observed: \(observed))"
        return Decision(
            ruleId: rule.id, action: rule.action, priority: rule.priority, reason: reason, inputs: match.inputs,
            thresholds: match.thresholds, requiresReview: rule.review ?? false, emergency: rule.emergency ?? false,
            guidance: (rule.lipidGuidance ?? false) ? LipidEmulsion.guidance(weightKg: session.weightKg) : nil)
    }

    private static func describe(_ value: JSONValue) -> String {
        switch value {
        case .number(let number): RegimenLimits.format(number)
        case .string(let text): text
        case .array(let items): items.map(describe).joined(separator: "+")
        default: "\(value)"
        }
    }

    /// What a condition matched: the inputs it looked at and the thresholds it held them to.
    struct Match {
        var inputs: [String: JSONValue] = [:]
        var thresholds: [String: JSONValue] = [:]
    }

    /// An observation read against the baseline, with derived metrics.
    struct Reading {
        let observation: ObservationRequest
        let baseline: Vitals
        let symptoms: Set<Symptom>

        init(observation: ObservationRequest, baseline: Vitals) {
            self.observation = observation
            self.baseline = baseline
            self.symptoms = Set(observation.symptoms ?? [])
        }

        func value(_ metric: RuleMetric) -> Double? {
            let vitals = observation.vitals
            switch metric {
            case .heartRateBpm: return vitals?.heartRateBpm
            case .systolicMmHg: return vitals?.systolicMmHg
            case .diastolicMmHg: return vitals?.diastolicMmHg
            case .meanArterialMmHg: return vitals?.meanArterialMmHg.map(Dosing.round)
            case .spo2Percent: return vitals?.spo2Percent
            case .respiratoryRatePerMin: return vitals?.respiratoryRatePerMin
            case .qrsMs: return vitals?.qrsMs
            case .prMs: return vitals?.prMs
            case .heartRateDropPercent: return percentChange(from: baseline.heartRateBpm, to: vitals?.heartRateBpm).map { -$0 }
            case .systolicDropPercent: return percentChange(from: baseline.systolicMmHg, to: vitals?.systolicMmHg).map { -$0 }
            case .qrsRisePercent: return percentChange(from: baseline.qrsMs, to: vitals?.qrsMs)
            case .prRisePercent: return percentChange(from: baseline.prMs, to: vitals?.prMs)
            case .possLevel: return observation.sedation?.equivalentPossLevel.map(Double.init)
            case .rassLevel: return observation.sedation?.rassLevel.map(Double.init)
            case .serumLevelUgPerMl: return observation.serumLevelUgPerMl
            case .painNrs: return observation.painNrs.map(Double.init)
            }
        }

        private func percentChange(from base: Double?, to value: Double?) -> Double? {
            guard let base, let value, base > 0 else { return nil }
            return Dosing.round((value - base) / base * 100)
        }

        func match(_ condition: RuleCondition) -> Match? {
            guard !condition.isEmpty else { return nil }
            var result = Match()
            for (metric, bounds) in (condition.values ?? [:]).sorted(by: { $0.key.rawValue < $1.key.rawValue }) {
                guard let observed = value(metric), bounds.contains(observed) else { return nil }
                result.inputs[metric.rawValue] = .number(observed)
                result.thresholds[metric.rawValue] = bounds.json
            }
            if let wanted = condition.symptomsAny {
                let present = wanted.filter(symptoms.contains).sorted()
                guard !present.isEmpty else { return nil }
                result.inputs["symptoms"] = .array(present.map { .string($0.rawValue) })
                result.thresholds["symptomsAny"] = .array(wanted.map { .string($0.rawValue) })
            }
            if let grouping = condition.symptomGroups {
                let hitGroups = grouping.groups.filter { $0.contains(where: symptoms.contains) }
                guard hitGroups.count >= grouping.atLeast else { return nil }
                let present = Set(hitGroups.flatMap { $0 }).intersection(symptoms).sorted()
                result.inputs["symptoms"] = .array(present.map { .string($0.rawValue) })
                result.thresholds["distinctSymptomsAtLeast"] = .number(Double(grouping.atLeast))
            }
            if condition.rhythmIn != nil || condition.rhythmDiffersFromBaseline != nil {
                guard let rhythm = observation.vitals?.rhythm else { return nil }
                if let allowed = condition.rhythmIn {
                    guard allowed.contains(rhythm) else { return nil }
                    result.thresholds["rhythmIn"] = .array(allowed.map { .string($0.rawValue) })
                }
                if condition.rhythmDiffersFromBaseline == true {
                    guard let baselineRhythm = baseline.rhythm, rhythm != baselineRhythm else { return nil }
                    result.inputs["baselineRhythm"] = .string(baselineRhythm.rawValue)
                    result.thresholds["rhythmDiffersFromBaseline"] = true
                }
                result.inputs["rhythm"] = .string(rhythm.rawValue)
            }
            return result
        }
    }
}
