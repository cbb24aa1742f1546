import Foundation
import InfusionCore
import Yams

/// Checks a decoded profile for thresholds that cannot be meant: a bound outside what the metric can physically be
/// (usually the wrong unit, e.g. a serum level in ng/mL), a clause no value can satisfy, a clause every value
/// satisfies, or a schedule or escalation timer that cannot work. Each error names the file and line.
enum ProfileChecks {
    /// What each rule metric can plausibly be, with its unit. A metric missing here is not range-checked.
    static let plausible: [String: (range: ClosedRange<Double>, unit: String)] = {
        var table: [String: (range: ClosedRange<Double>, unit: String)] = [
            "meanArterialMmHg": (0...300, "mmHg"),
            "heartRateDropPercent": (-1000...100, "%"), "systolicDropPercent": (-1000...100, "%"),
            "qrsRisePercent": (-100...1000, "%"), "prRisePercent": (-100...1000, "%"),
            "possLevel": (1...4, "(POSS level)"), "rassLevel": (-5...4, "(RASS level)"),
            "serumLevelUgPerMl": (0...100, "µg/mL"), "painNrs": (0...10, "(NRS)"),
            "deliveredMg": (0...10_000, "mg"), "deliveredMgPerKg": (0...200, "mg/kg"), "infusionHours": (0...720, "h"),
            "predictedUpperNowUgPerMl": (0...100, "µg/mL"), "predictedUpperSteadyStateUgPerMl": (0...100, "µg/mL"),
            "pausedMinutes": (0...10_080, "min"), "ageYears": (0...130, "years"), "weightKg": (0.5...400, "kg"),
        ]
        for vital in RequestValidation.plausibleVitals { table[vital.field] = (vital.range, vital.unit) }
        return table
    }()

    /// Ceilings for regimen limits, ten times anything in CLINICAL §1/§5: a figure above one is a unit slip
    /// (µg for mg, seconds for minutes).
    static let limitCeilings: [String: (ceiling: Double, unit: String)] = [
        "bolusDoseMgPerKg": (20, "mg/kg"), "bolusDurationMin": (1440, "min"),
        "infusionRateMgPerKgPerHour": (20, "mg/kg/h"), "infusionMgPerHour": (2000, "mg/h"),
    ]

    /// Throws the first problem found, with the file and line.
    static func check(_ profile: RuleProfile, text: String, file: String) throws {
        let root = try? Yams.compose(yaml: text)
        func fail(_ path: [YAMLKeyCheck.Step], _ message: String) -> ConfigurationError {
            ConfigurationError(file: file, line: YAMLKeyCheck.line(of: path, in: root), message: message)
        }
        for (ruleIndex, rule) in profile.rules.enumerated() {
            for (conditionIndex, condition) in rule.anyOf.enumerated() {
                for (metric, bounds) in (condition.values ?? [:]).sorted(by: { $0.key.rawValue < $1.key.rawValue }) {
                    let path: [YAMLKeyCheck.Step] = [.key("rules"), .index(ruleIndex), .key("anyOf"), .index(conditionIndex), .key(metric.rawValue)]
                    if let problem = problem(metric: metric.rawValue, bounds: bounds) {
                        throw fail(path, "rule \(rule.id): \(problem)")
                    }
                }
            }
        }
        let limits = [("bolusDoseMgPerKg", profile.limits.bolusDoseMgPerKg), ("bolusDurationMin", profile.limits.bolusDurationMin),
                      ("infusionRateMgPerKgPerHour", profile.limits.infusionRateMgPerKgPerHour), ("infusionMgPerHour", profile.limits.infusionMgPerHour)]
        for (name, limit) in limits {
            guard let ceiling = limitCeilings[name] else { continue }
            for value in [limit.hardMin, limit.softMin, limit.softMax, limit.hardMax].compactMap({ $0 }) where value > ceiling.ceiling {
                throw fail([.key("limits"), .key(name)],
                           "limits.\(name) \(format(value)) \(ceiling.unit) is beyond any plausible dose (over \(format(ceiling.ceiling)) \(ceiling.unit)); check the unit")
            }
        }
        if let schedule = profile.schedule, let problem = schedule.problem {
            throw fail([.key("schedule")], problem)
        }
        if let escalation = profile.escalation, let problem = escalation.problem {
            throw fail([.key("escalation")], problem)
        }
    }

    /// Why a metric's bounds cannot be meant, or nil when they can.
    static func problem(metric: String, bounds: Bounds) -> String? {
        guard let (range, unit) = plausible[metric] else { return nil }
        let given = [("above", bounds.above), ("atLeast", bounds.atLeast), ("below", bounds.below), ("atMost", bounds.atMost), ("equals", bounds.equals)]
        for (name, value) in given {
            guard let value else { continue }
            if !value.isFinite || !range.contains(value) {
                return "\(metric).\(name) \(format(value)) is outside what \(metric) can be (\(format(range.lowerBound))–\(format(range.upperBound)) \(unit)); check the unit"
            }
        }
        // The values the clause accepts within the plausible range: [lower, upper], each end open or closed.
        var lower = (value: range.lowerBound, open: false)
        var upper = (value: range.upperBound, open: false)
        if let above = bounds.above, above >= lower.value { lower = (above, true) }
        if let atLeast = bounds.atLeast, atLeast > lower.value { lower = (atLeast, false) }
        if let below = bounds.below, below <= upper.value { upper = (below, true) }
        if let atMost = bounds.atMost, atMost < upper.value { upper = (atMost, false) }
        if let equals = bounds.equals {
            let inside = (equals > lower.value || (equals == lower.value && !lower.open))
                && (equals < upper.value || (equals == upper.value && !upper.open))
            if !inside { return "\(metric): equals \(format(equals)) contradicts its other bounds, so the clause never matches" }
            return nil
        }
        if lower.value > upper.value || (lower.value == upper.value && (lower.open || upper.open)) {
            return "\(metric): the bounds exclude each other, so the clause never matches"
        }
        if lower == (range.lowerBound, false) && upper == (range.upperBound, false) {
            return "\(metric): the bounds accept every possible value (\(format(range.lowerBound))–\(format(range.upperBound)) \(unit)), so the clause always matches"
        }
        return nil
    }

    /// A figure without a trailing `.0`.
    private static func format(_ value: Double) -> String {
        value.rounded() == value && abs(value) < 1e15 ? String(Int64(value)) : String(value)
    }
}
