import Foundation

/// The pure rule engine: an observation, the session it belongs to and the profile's rules in; decisions out.
/// Deterministic: the same inputs always give the same decisions in the same order.
public enum RuleEngine {
    /// Evaluates every rule against one observation with no history (no dose, prediction or trend inputs); see
    /// ``evaluate(_:context:)``.
    public static func evaluate(_ rules: [Rule], observation: ObservationRequest, session: Session) -> [Decision] {
        evaluate(rules, context: RuleContext(session: session, at: observation.observedAt, observation: observation))
    }

    /// Evaluates every rule in a context and returns at most one decision per rule id (the most severe entry that
    /// fired), in the profile's rule order. A rule with artefact confirmation whose pause or stop rests on a single
    /// monitor reading is downgraded to an alert asking for a repeat.
    public static func evaluate(_ rules: [Rule], context: RuleContext) -> [Decision] {
        let reading = Reading(context: context)
        var firedIds: Set<String> = []
        var best: [String: (rule: Rule, match: Match, outcome: Outcome)] = [:]
        var order: [String] = []

        // Entries without `suppressedBy` first, so an "alone" rule sees what else fired.
        let plain = rules.filter { ($0.suppressedBy ?? []).isEmpty }
        let dependent = rules.filter { !($0.suppressedBy ?? []).isEmpty }
        for rule in plain + dependent {
            if let suppressors = rule.suppressedBy, suppressors.contains(where: firedIds.contains) { continue }
            guard let match = rule.anyOf.lazy.compactMap({ reading.match($0) }).first else { continue }
            firedIds.insert(rule.id)
            let outcome = confirmation(of: rule, context: context)
            let action = outcome.awaitingRepeat ? DecisionAction.alert : rule.action
            if let current = best[rule.id] {
                let currentAction = current.outcome.awaitingRepeat ? DecisionAction.alert : current.rule.action
                if action > currentAction || (action == currentAction && rule.priority > current.rule.priority) {
                    best[rule.id] = (rule, match, outcome)
                }
            } else {
                best[rule.id] = (rule, match, outcome)
                order.append(rule.id)
            }
        }
        let ruleOrder = Dictionary(rules.enumerated().map { ($1.id, $0) }, uniquingKeysWith: { first, _ in first })
        return order.sorted { ruleOrder[$0, default: 0] < ruleOrder[$1, default: 0] }.compactMap { id in
            guard let (rule, match, outcome) = best[id] else { return nil }
            return decision(rule: rule, match: match, outcome: outcome, session: context.session)
        }
    }

    /// Whether a fired rule's pause or stop waits for a repeat reading, and what confirmed it if not.
    struct Outcome {
        var awaitingRepeat = false
        var confirmedBy: UUID?
        var window: Double?
    }

    /// Artefact confirmation (CLINICAL §6): a pause or stop resting on a monitor-feed reading needs an earlier
    /// reading within the window that met the same rule entry; symptoms and ECG rules never wait (the profile
    /// loader refuses confirmation on them).
    private static func confirmation(of rule: Rule, context: RuleContext) -> Outcome {
        guard let window = rule.confirmWithinSeconds, rule.action >= .pause,
              let observation = context.observation, observation.feedId != nil else { return Outcome() }
        for entry in context.history.entries.reversed() {
            guard let earlier = entry.observation, earlier.eventId != observation.eventId,
                  abs(earlier.observedAt.timeIntervalSince(observation.observedAt)) <= window else { continue }
            var repeatContext = context
            repeatContext.observation = earlier
            let repeatReading = Reading(context: repeatContext)
            if rule.anyOf.contains(where: { repeatReading.match($0) != nil }) {
                return Outcome(awaitingRepeat: false, confirmedBy: earlier.eventId, window: window)
            }
        }
        return Outcome(awaitingRepeat: true, confirmedBy: nil, window: window)
    }

    private static func decision(rule: Rule, match: Match, outcome: Outcome, session: Session) -> Decision {
        var inputs = match.inputs
        var thresholds = match.thresholds
        if let window = outcome.window {
            thresholds["confirmWithinSeconds"] = .number(window)
            if let confirmedBy = outcome.confirmedBy { inputs["confirmedByObservation"] = .string(confirmedBy.uuidString) }
        }
        let observed = match.inputs.keys.sorted().map { "\($0) \(describe(match.inputs[$0]!))" }.joined(separator: ", ")
        if outcome.awaitingRepeat {
            inputs["confirmation"] = "awaitingRepeat"
            let seconds = RegimenLimits.format(outcome.window ?? 0)
            let reason = "Single monitor reading, not yet confirmed: check the patient and repeat the measurement within \(seconds) s; if the repeat is also out of range the rule will \(rule.action.rawValue). \(rule.reason) (observed: \(observed))"
            return Decision(ruleId: rule.id, action: .alert, priority: rule.priority, reason: reason, inputs: inputs,
                            thresholds: thresholds)
        }
        return decision(rule: rule, match: Match(inputs: inputs, thresholds: thresholds), observed: observed, session: session)
    }

    private static func decision(rule: Rule, match: Match, observed: String, session: Session) -> Decision {
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

    /// An evaluation's inputs read against the baseline and the history, with derived metrics.
    struct Reading {
        let context: RuleContext
        let observation: ObservationRequest?
        let baseline: Vitals
        let symptoms: Set<Symptom>

        init(context: RuleContext) {
            self.context = context
            self.observation = context.observation
            self.baseline = context.session.baseline
            self.symptoms = Set(context.observation?.symptoms ?? [])
        }

        func value(_ metric: RuleMetric) -> Double? {
            let vitals = observation?.vitals
            let ongoing = context.deliveryOngoing
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
            case .possLevel: return observation?.sedation?.equivalentPossLevel.map(Double.init)
            case .rassLevel: return observation?.sedation?.rassLevel.map(Double.init)
            case .serumLevelUgPerMl: return observation?.serumLevelUgPerMl
            case .painNrs: return observation?.painNrs.map(Double.init)
            case .deliveredMg: return ongoing ? context.delivered?.mg : nil
            case .deliveredMgPerKg: return ongoing ? context.delivered?.mgPerKg : nil
            case .infusionHours:
                return ongoing ? Dosing.round(context.at.timeIntervalSince(context.session.startedAt) / 3600) : nil
            case .predictedUpperNowUgPerMl: return ongoing ? context.prediction?.upperBandUgPerMl : nil
            case .predictedUpperSteadyStateUgPerMl: return ongoing ? context.prediction?.steadyStateUpperBandUgPerMl : nil
            case .pausedMinutes:
                guard context.session.state == .paused, let since = context.history.pausedSince else { return nil }
                let at = observation?.observedAt ?? context.at
                return Dosing.round(at.timeIntervalSince(since) / 60)
            case .ageYears: return context.session.flags?.ageYears.map(Double.init)
            case .weightKg: return context.session.weightKg
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
                if metric == .predictedUpperNowUgPerMl || metric == .predictedUpperSteadyStateUgPerMl, let prediction = context.prediction {
                    result.inputs["pkModel"] = .string(prediction.parameterSet.rawValue)
                }
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
                guard let rhythm = observation?.vitals?.rhythm else { return nil }
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
            if let wanted = condition.flagsAny {
                let present = wanted.filter { context.session.flags?.has($0) == true }.sorted()
                guard !present.isEmpty else { return nil }
                result.inputs["flags"] = .array(present.map { .string($0.rawValue) })
                result.thresholds["flagsAny"] = .array(wanted.map { .string($0.rawValue) })
            }
            if condition.otherSessionStopped == true {
                guard let stop = context.otherSessionStop, stop.cause == .otherSessionStopped else { return nil }
                result.inputs["otherSessionId"] = stop.otherSessionId.map { .string($0.uuidString) } ?? .null
                result.inputs["otherDrug"] = stop.otherDrug.map { .string($0.rawValue) } ?? .null
                result.inputs["otherRuleId"] = stop.otherRuleId.map(JSONValue.string) ?? .null
                result.thresholds["otherSessionStopped"] = true
            }
            if condition.recurringAfterResume == true {
                guard let wanted = condition.symptomsAny, let resumed = context.history.lastResumeSequence else { return nil }
                let earlier = context.history.entries
                    .filter { $0.sequence < resumed }
                    .compactMap { $0.observation?.symptoms }
                    .flatMap { $0 }
                let before = Set(earlier).intersection(wanted).sorted()
                guard !before.isEmpty else { return nil }
                result.inputs["symptomsBeforeResume"] = .array(before.map { .string($0.rawValue) })
                result.thresholds["recurringAfterResume"] = true
            }
            return result
        }
    }
}
