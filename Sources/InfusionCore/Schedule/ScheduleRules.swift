import Foundation

/// The schedule rules of CLINICAL §6 as pure functions: L20 overdue observation, L21 stale station feed, L22
/// closing before the post-infusion window. Thresholds come from the profile's ``ScheduleSpec``.
public enum ScheduleRules {
    /// Observation overdue.
    public static let overdueRuleId = "L20"
    /// A station feed has gone silent.
    public static let staleFeedRuleId = "L21"
    /// Closing before the post-infusion window ended.
    public static let earlyCloseRuleId = "L22"

    /// What the schedule timer decides for a session at `now`: L20 and L21 decisions, in that order.
    ///
    /// Deterministic given the history and the time, so a replay reaches the same decisions.
    public static func timerDecisions(session: Session, history: ScheduleHistory, spec: ScheduleSpec, now: Date) -> [Decision] {
        guard session.state.isOpen, !history.closed else { return [] }
        return [overdue(history: history, spec: spec, now: now), staleFeeds(history: history, spec: spec, now: now)].compactMap { $0 }
    }

    /// L20: more than `lowAfter` late → low alert; more than `mediumAfter` → medium; more than
    /// `pauseDuringLoadingAfter` for an observation due during loading → pause with a high alert.
    public static func overdue(history: ScheduleHistory, spec: ScheduleSpec, now: Date) -> Decision? {
        guard let due = ObservationSchedule.nextDue(history: history, spec: spec) else { return nil }
        let late = now.timeIntervalSince(due)
        let limits = spec.overdue
        guard late > limits.lowAfter.seconds else { return nil }
        let loading = ObservationSchedule.isLoading(at: due, history: history, spec: spec)
        let action: DecisionAction
        let priority: AlertPriority
        let advice: String
        if loading && late > limits.pauseDuringLoadingAfter.seconds {
            (action, priority) = (.pause, .high)
            advice = "pause the infusion, go to the bedside and take vitals, sedation and the symptom checklist now; a clinician resumes with a reason."
        } else if late > limits.mediumAfter.seconds {
            (action, priority) = (.alert, .medium)
            advice = "take vitals, sedation and the symptom checklist now."
        } else {
            (action, priority) = (.alert, .low)
            advice = "take vitals, sedation and the symptom checklist now."
        }
        let phase = ObservationSchedule.phase(at: due, history: history, spec: spec).phase
        let lateSeconds = (late * 1000).rounded() / 1000
        return Decision(
            ruleId: overdueRuleId, action: action, priority: priority,
            reason: "The observation set due at \(WireJSON.formatTimestamp(due)) is \(describe(seconds: lateSeconds)) late (\(phase.rawValue) phase): \(advice)",
            inputs: [
                "dueAt": .string(WireJSON.formatTimestamp(due)), "lateSeconds": .number(lateSeconds),
                "phase": .string(phase.rawValue),
                "lastObservationAt": .string(WireJSON.formatTimestamp(ObservationSchedule.anchor(history: history))),
            ],
            thresholds: [
                "lowAfter": .string(limits.lowAfter.description), "mediumAfter": .string(limits.mediumAfter.description),
                "pauseDuringLoadingAfter": .string(limits.pauseDuringLoadingAfter.description),
            ])
    }

    /// L21: a technical medium alert naming every feed silent for more than `staleFeedAfter`, while observations
    /// are still due.
    public static func staleFeeds(history: ScheduleHistory, spec: ScheduleSpec, now: Date) -> Decision? {
        guard let limit = spec.staleFeedAfter else { return nil }
        let stale = silentFeeds(history: history, spec: spec, now: now).sorted { $0.key < $1.key }
        guard !stale.isEmpty else { return nil }
        let names = stale.map(\.key).joined(separator: ", ")
        return Decision(
            ruleId: staleFeedRuleId, action: .alert, priority: .medium,
            reason: "Technical: no observation from \(stale.count == 1 ? "feed" : "feeds") \(names) for more than \(describe(seconds: limit.seconds)): check the monitor and its connection, and observe by hand meanwhile.",
            inputs: ["silentFeeds": .object(Dictionary(uniqueKeysWithValues: stale.map { ($0.key, JSONValue.string(WireJSON.formatTimestamp($0.value))) }))],
            thresholds: ["staleFeedAfter": .string(limit.description)])
    }

    /// The station feeds silent for more than `staleFeedAfter` at `now`, with when each was last heard, while
    /// observations are still due; empty when L21 is off or nothing is due.
    public static func silentFeeds(history: ScheduleHistory, spec: ScheduleSpec, now: Date) -> [String: Date] {
        guard let limit = spec.staleFeedAfter, ObservationSchedule.nextDue(history: history, spec: spec) != nil else { return [:] }
        return history.watchedFeeds.filter { now.timeIntervalSince($0.value) > limit.seconds }
    }

    /// L22: a `close` before the post-infusion window has ended is refused (`session.postInfusionWindow`) unless a
    /// clinician overrides with a reason, when it is recorded as a low alert.
    public static func closeCheck(_ request: ActionRequest, history: ScheduleHistory, spec: ScheduleSpec, now: Date) throws(DomainError) -> [Decision] {
        guard request.action == .close, let windowEnd = ObservationSchedule.postInfusionWindowEnd(history: history, spec: spec),
              now < windowEnd else { return [] }
        let early = (windowEnd.timeIntervalSince(now) * 1000).rounded() / 1000
        guard let override = request.override, !override.by.isEmpty,
              !override.reason.trimmingCharacters(in: .whitespaces).isEmpty else {
            throw DomainError(.conflict, code: "session.postInfusionWindow", title: "Post-infusion observation window still open",
                          detail: "Post-infusion observations continue until \(WireJSON.formatTimestamp(windowEnd)) (\(describe(seconds: early)) from now); keep observing and close then, or send override {by, reason} to close now.",
                          limits: ["windowEndsAt": .string(WireJSON.formatTimestamp(windowEnd)), "earlySeconds": .number(early)])
        }
        return [Decision(
            ruleId: earlyCloseRuleId, action: .alert, priority: .low,
            reason: "Closed \(describe(seconds: early)) before the post-infusion observation window ended; overridden by \(override.by): \(override.reason)",
            inputs: ["earlySeconds": .number(early), "overrideBy": .string(override.by), "overrideReason": .string(override.reason)],
            thresholds: ["windowEndsAt": .string(WireJSON.formatTimestamp(windowEnd))])]
    }

    /// A duration for a sentence: `12 min`, `45 s`.
    static func describe(seconds: Double) -> String {
        seconds >= 120 ? "\(RegimenLimits.format(Dosing.round(seconds / 60))) min" : "\(RegimenLimits.format(Dosing.round(seconds))) s"
    }
}
