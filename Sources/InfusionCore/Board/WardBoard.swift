import Foundation

/// `GET /v1/board`: the ward's open sessions as the board shows them, worst first, with the figures each tile
/// needs already computed by the daemon (the browser decides nothing clinical).
public struct WardBoard: Codable, Sendable, Hashable {
    /// When the figures were computed; countdowns are shown against it.
    public var asOf: Date
    /// The tiles, worst first (``WardOrder``).
    public var tiles: [BoardTile]
    /// Active (unacknowledged) alerts by priority across the ward, e.g. `{"high": 1, "medium": 0, "low": 2}`.
    public var activeByPriority: [String: Int]
    /// Acknowledged alerts that are not yet resolved.
    public var acknowledged: Int
    /// Seconds between the alert stream's heartbeats; the board is stale after twice this without one.
    public var heartbeatSeconds: Double

    public init(asOf: Date, tiles: [BoardTile], activeByPriority: [String: Int], acknowledged: Int, heartbeatSeconds: Double) {
        self.asOf = asOf
        self.tiles = tiles
        self.activeByPriority = activeByPriority
        self.acknowledged = acknowledged
        self.heartbeatSeconds = heartbeatSeconds
    }
}

/// One open session on the board.
public struct BoardTile: Codable, Sendable, Hashable {
    /// The session as `GET /v1/sessions/{id}` returns it.
    public var detail: SessionDetail
    /// How the board names the patient (`web.patientDisplay`).
    public var patientLabel: String
    /// The highest priority among the session's active (unacknowledged) alerts, or among its acknowledged ones
    /// when none is active; nil with no open alert.
    public var worstPriority: AlertPriority?
    /// Whether the next observation is late.
    public var overdue: Bool
    /// The lines the dose and the predicted level are held against, from the session's profile.
    public var limits: BoardLimits

    public init(detail: SessionDetail, patientLabel: String, worstPriority: AlertPriority?, overdue: Bool, limits: BoardLimits) {
        self.detail = detail
        self.patientLabel = patientLabel
        self.worstPriority = worstPriority
        self.overdue = overdue
        self.limits = limits
    }
}

/// The profile's lines for one session: the cumulative dose cap (the lowest of its mg and mg/kg thresholds at the
/// session's dosing weight) and the predicted-level thresholds that apply to this patient, lowest first.
public struct BoardLimits: Codable, Sendable, Hashable {
    /// One threshold a rule acts on.
    public struct Line: Codable, Sendable, Hashable {
        public var value: Double
        public var ruleId: String
        public var action: DecisionAction
        public var priority: AlertPriority

        public init(value: Double, ruleId: String, action: DecisionAction, priority: AlertPriority) {
            self.value = value
            self.ruleId = ruleId
            self.action = action
            self.priority = priority
        }
    }

    /// The cumulative dose cap in mg for this session, with the rule that acts on it; nil when no rule caps it.
    public var doseCapMg: Line?
    /// The predicted upper-band thresholds (µg/mL) that apply to this patient, lowest first.
    public var predictedLevel: [Line]

    public init(doseCapMg: Line?, predictedLevel: [Line]) {
        self.doseCapMg = doseCapMg
        self.predictedLevel = predictedLevel
    }

    /// Reads the lines from a profile's rules. A condition counts when its only other clauses are facts known at
    /// the start (flags, age, weight) and they hold for this session; conditions that also need an observation are
    /// not a standing line.
    public static func of(session: Session, profile: RuleProfile?) -> BoardLimits {
        guard let profile else { return BoardLimits(doseCapMg: nil, predictedLevel: []) }
        var cap: Line?
        var levels: [Line] = []
        for rule in profile.rules {
            for condition in rule.anyOf where standing(condition, session: session) {
                for (metric, bounds) in condition.values ?? [:] {
                    guard let lower = bounds.atLeast ?? bounds.above else { continue }
                    switch metric {
                    case .deliveredMg, .deliveredMgPerKg:
                        let mg = metric == .deliveredMg ? lower : Dosing.round(lower * session.dosingWeightKg)
                        if cap == nil || mg < cap!.value {
                            cap = Line(value: mg, ruleId: rule.id, action: rule.action, priority: rule.priority)
                        }
                    case .predictedUpperNowUgPerMl:
                        levels.append(Line(value: lower, ruleId: rule.id, action: rule.action, priority: rule.priority))
                    default:
                        continue
                    }
                }
            }
        }
        // One line per value: the most severe rule acting at it.
        var byValue: [Double: Line] = [:]
        for line in levels where byValue[line.value].map({ $0.priority < line.priority }) ?? true { byValue[line.value] = line }
        return BoardLimits(doseCapMg: cap, predictedLevel: byValue.values.sorted { $0.value < $1.value })
    }

    /// Whether a condition's clauses other than the dose and level metrics are all start facts that hold.
    static func standing(_ condition: RuleCondition, session: Session) -> Bool {
        guard condition.symptomsAny == nil, condition.symptomGroups == nil, condition.rhythmIn == nil,
              condition.rhythmDiffersFromBaseline == nil, condition.otherSessionStopped == nil,
              condition.recurringAfterResume == nil else { return false }
        let standingMetrics: Set<RuleMetric> = [.deliveredMg, .deliveredMgPerKg, .predictedUpperNowUgPerMl,
                                                .predictedUpperSteadyStateUgPerMl]
        for (metric, bounds) in condition.values ?? [:] where !standingMetrics.contains(metric) {
            switch metric {
            case .ageYears:
                guard let age = session.flags?.ageYears, bounds.contains(Double(age)) else { return false }
            case .weightKg:
                guard bounds.contains(session.weightKg) else { return false }
            default:
                return false
            }
        }
        if let flags = condition.flagsAny {
            guard flags.contains(where: { session.flags?.has($0) == true }) else { return false }
        }
        return true
    }
}

/// The board's order, worst first: the highest active alert (acknowledged alerts after every active one of the
/// same priority), then overdue (the latest first), then the next observation due soonest, then the oldest start.
public enum WardOrder {
    /// A tile's place key; smaller sorts first.
    struct Key: Comparable {
        var activeRank: Int
        var acknowledgedRank: Int
        var overdueRank: Int
        var overdueSeconds: Double
        var dueAt: Double
        var startedAt: Double

        static func < (lhs: Key, rhs: Key) -> Bool {
            (lhs.activeRank, lhs.acknowledgedRank, lhs.overdueRank, -lhs.overdueSeconds, lhs.dueAt, lhs.startedAt)
                < (rhs.activeRank, rhs.acknowledgedRank, rhs.overdueRank, -rhs.overdueSeconds, rhs.dueAt, rhs.startedAt)
        }
    }

    static func rank(_ priority: AlertPriority?) -> Int {
        switch priority {
        case .high: 0
        case .medium: 1
        case .low: 2
        case nil: 3
        }
    }

    /// The highest priority of the alerts in `state` among `alerts`.
    public static func highest(_ alerts: [Alert], state: AlertState) -> AlertPriority? {
        alerts.filter { $0.state == state }.map(\.priority).max()
    }

    static func key(_ detail: SessionDetail) -> Key {
        let overdue = detail.schedule?.overdueSeconds ?? 0
        return Key(activeRank: rank(highest(detail.openAlerts, state: .active)),
                   acknowledgedRank: rank(highest(detail.openAlerts, state: .acknowledged)),
                   overdueRank: overdue > 0 ? 0 : 1, overdueSeconds: overdue,
                   dueAt: detail.schedule?.nextDueAt?.timeIntervalSince1970 ?? .infinity,
                   startedAt: detail.session.startedAt.timeIntervalSince1970)
    }

    /// A session's open alerts as a board lists them: active before acknowledged, the highest priority first, then
    /// the newest.
    public static func alertsWorstFirst(_ alerts: [Alert]) -> [Alert] {
        alerts.sorted { lhs, rhs in
            let left = (lhs.state == .active ? 0 : 1, rank(lhs.priority), -lhs.raisedAt.timeIntervalSince1970)
            let right = (rhs.state == .active ? 0 : 1, rank(rhs.priority), -rhs.raisedAt.timeIntervalSince1970)
            return left < right
        }
    }

    /// The sessions worst first.
    public static func sorted(_ details: [SessionDetail]) -> [SessionDetail] {
        details.map { (key($0), $0) }.sorted { $0.0 < $1.0 }.map(\.1)
    }
}

/// How a board names a patient.
public enum PatientLabel {
    /// The full patient id, or for a wall screen the bed and initials given at start (`Bed 12 · A.B.`); when the
    /// start gave neither, only the id's last four characters after an ellipsis, never the whole id.
    public static func label(patientId: String, bed: String? = nil, initials: String? = nil, masked: Bool) -> String {
        guard masked else { return patientId }
        let bedPart = bed.map { "Bed \($0)" }
        let initialsPart = initials.map { $0.count <= 4 ? $0.map { "\($0)." }.joined() : String($0.prefix(4)) }
        let parts = [bedPart, initialsPart].compactMap { $0 }
        if !parts.isEmpty { return parts.joined(separator: " · ") }
        let tail = patientId.suffix(4)
        return tail.count < patientId.count ? "…" + tail : "…"
    }
}
