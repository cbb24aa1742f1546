import Foundation

/// Which part of the observation schedule (CLINICAL §3) applies at a moment.
public enum SchedulePhase: String, Codable, Sendable, CaseIterable {
    /// The loading phase: the first `afterStart` step (the first hour).
    case loading
    /// A later `afterStart` step (ketamine's every 30 min for 2 h).
    case early
    /// A bolus shorter than `fastBolus.shorterThan` is running.
    case fastBolus
    /// Within `afterDoseIncrease.for` of a bolus or a rate increase.
    case doseIncrease
    /// Within `symptomRecheck.for` of an observation that recorded a stage-1 symptom (CLINICAL §2: recheck every
    /// 5 min for 15 min).
    case symptomRecheck
    /// Nothing closer applies.
    case maintenance
    /// Delivery ended (end or stop); observing until the post-infusion window ends.
    case postInfusion
    /// The post-infusion window is over: nothing more is due and the session may close.
    case complete
    /// The session is closed.
    case closed
}

/// Where a session stands on its observation schedule, as `GET /v1/sessions/{id}` shows it.
public struct ScheduleStatus: Codable, Sendable, Hashable {
    /// The phase in force now.
    public var phase: SchedulePhase
    /// The observation interval in force now, in seconds; nil when nothing more is due.
    public var intervalSeconds: Double?
    /// The latest observation time (the start counts as one: the baseline set is taken before it).
    public var lastObservationAt: Date?
    /// When the next observation set is due; nil when nothing more is due.
    public var nextDueAt: Date?
    /// How late the next observation is now, in seconds; nil when it is not yet due.
    public var overdueSeconds: Double?
    /// When the post-infusion window ends (the session may close from then on); nil while delivery continues.
    public var postInfusionWindowEndsAt: Date?

    public init(
        phase: SchedulePhase, intervalSeconds: Double?, lastObservationAt: Date?, nextDueAt: Date?,
        overdueSeconds: Double?, postInfusionWindowEndsAt: Date?
    ) {
        self.phase = phase
        self.intervalSeconds = intervalSeconds
        self.lastObservationAt = lastObservationAt
        self.nextDueAt = nextDueAt
        self.overdueSeconds = overdueSeconds
        self.postInfusionWindowEndsAt = postInfusionWindowEndsAt
    }
}

/// The observation schedule as pure functions of a session's history, its profile's schedule and the time.
///
/// The next observation is due one interval after the last one, where the interval is the one in force at that
/// last observation; an event that tightens the schedule before then (a bolus, a rate increase, the end of
/// delivery) brings it forward to one of its own intervals after the event.
public enum ObservationSchedule {
    /// The phase and interval (seconds) in force at `time`; the interval is nil when nothing more is due.
    public static func phase(at time: Date, history: ScheduleHistory, spec: ScheduleSpec) -> (phase: SchedulePhase, every: TimeInterval?) {
        if history.closed { return (.closed, nil) }
        let recheck = symptomRecheck(at: time, history: history, spec: spec)
        if let windowEnd = postInfusionWindowEnd(history: history, spec: spec), let ended = history.deliveryEndedAt, time >= ended {
            guard time < windowEnd else { return (.complete, nil) }
            // A symptom after the end is rechecked as closely as during delivery.
            if let recheck, recheck < spec.afterEnd.every.seconds { return (.symptomRecheck, recheck) }
            return (.postInfusion, spec.afterEnd.every.seconds)
        }
        // Candidates from the closest kind of observation to the loosest; the shortest interval wins, and on a tie
        // the earlier (more specific) phase names it.
        var candidates: [(SchedulePhase, TimeInterval)] = []
        if let fast = spec.fastBolus {
            for bolus in history.boluses where bolus.duration < fast.shorterThan.seconds
                && time >= bolus.startedAt && time < bolus.startedAt.addingTimeInterval(bolus.duration) {
                candidates.append((.fastBolus, fast.every.seconds))
            }
        }
        if let recheck { candidates.append((.symptomRecheck, recheck)) }
        let elapsed = time.timeIntervalSince(history.startedAt)
        var stepStart = 0.0
        for (index, step) in spec.afterStart.enumerated() {
            if elapsed < stepStart + step.duration.seconds {
                candidates.append((index == 0 ? .loading : .early, step.every.seconds))
                break
            }
            stepStart += step.duration.seconds
        }
        if let increase = spec.afterDoseIncrease {
            for moment in history.doseIncreases where time >= moment && time < moment.addingTimeInterval(increase.duration.seconds) {
                candidates.append((.doseIncrease, increase.every.seconds))
            }
        }
        candidates.append((.maintenance, spec.maintenanceEvery.seconds))
        let best = candidates.enumerated().min { lhs, rhs in (lhs.element.1, lhs.offset) < (rhs.element.1, rhs.offset) }!.element
        return (best.0, best.1)
    }

    /// The symptom recheck interval (seconds) in force at `time`: from an observation that recorded one of the
    /// recheck's symptoms until `for` after it (the end excluded, so the last recheck falls at the window's end and
    /// the phase interval counts from it); nil outside every window or when the profile has no recheck.
    public static func symptomRecheck(at time: Date, history: ScheduleHistory, spec: ScheduleSpec) -> TimeInterval? {
        guard let recheck = spec.symptomRecheck,
              let latest = recheck.symptomsAny.compactMap({ history.lastSymptomAt[$0] }).filter({ $0 <= time }).max(),
              time < latest.addingTimeInterval(recheck.duration.seconds) else { return nil }
        return recheck.every.seconds
    }

    /// When the post-infusion window ends, or nil while delivery has not ended.
    public static func postInfusionWindowEnd(history: ScheduleHistory, spec: ScheduleSpec) -> Date? {
        guard let ended = history.deliveryEndedAt else { return nil }
        let window = history.symptomsSeen ? spec.afterEnd.durationWithSymptoms : spec.afterEnd.duration
        return ended.addingTimeInterval(window.seconds)
    }

    /// Whether `time` falls in the loading phase (the first `afterStart` step, before delivery ended).
    public static func isLoading(at time: Date, history: ScheduleHistory, spec: ScheduleSpec) -> Bool {
        guard let first = spec.afterStart.first else { return false }
        if let ended = history.deliveryEndedAt, time >= ended { return false }
        return time.timeIntervalSince(history.startedAt) < first.duration.seconds
    }

    /// The time the last observation counts from: the latest observation, or the start (baseline) if later.
    public static func anchor(history: ScheduleHistory) -> Date {
        max(history.lastObservationAt ?? history.startedAt, history.startedAt)
    }

    /// When the next observation set is due, or nil when nothing more is due (closed, or the post-infusion window
    /// is covered).
    public static func nextDue(history: ScheduleHistory, spec: ScheduleSpec) -> Date? {
        if history.closed { return nil }
        let anchor = anchor(history: history)
        guard let every = phase(at: anchor, history: history, spec: spec).every else { return nil }
        var due = anchor.addingTimeInterval(every)
        let moments = (history.boluses.map(\.startedAt) + history.doseIncreases + [history.deliveryEndedAt].compactMap { $0 })
            .filter { $0 > anchor && $0 < due }
            .sorted()
        for moment in moments {
            if let tighter = phase(at: moment, history: history, spec: spec).every {
                due = min(due, moment.addingTimeInterval(tighter))
            }
        }
        // After delivery ends, observations are due only up to the end of the post-infusion window.
        if let windowEnd = postInfusionWindowEnd(history: history, spec: spec), due > windowEnd { return nil }
        return due
    }

    /// The full status at `now`.
    public static func status(history: ScheduleHistory, spec: ScheduleSpec, now: Date) -> ScheduleStatus {
        let current = phase(at: now, history: history, spec: spec)
        let due = nextDue(history: history, spec: spec)
        let late = due.map { now.timeIntervalSince($0) }.flatMap { $0 > 0 ? ($0 * 1000).rounded() / 1000 : nil }
        return ScheduleStatus(
            phase: current.phase, intervalSeconds: current.every, lastObservationAt: anchor(history: history),
            nextDueAt: due, overdueSeconds: late, postInfusionWindowEndsAt: postInfusionWindowEnd(history: history, spec: spec))
    }
}
