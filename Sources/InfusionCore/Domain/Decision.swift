/// What a rule asks for when it fires.
public enum DecisionAction: String, Codable, Sendable, Comparable, CaseIterable {
    /// Awareness or prompt response only; delivery continues.
    case alert
    /// Blocked until a clinician overrides with a reason.
    case review
    /// Delivery held until a clinician resumes with a reason.
    case pause
    /// Delivery ends for this order; a high alert latches until the pump is confirmed stopped.
    case stop

    private var severity: Int {
        switch self {
        case .alert: 0
        case .review: 1
        case .pause: 2
        case .stop: 3
        }
    }

    public static func < (lhs: DecisionAction, rhs: DecisionAction) -> Bool { lhs.severity < rhs.severity }
}

/// Alarm priority after IEC 60601-1-8.
public enum AlertPriority: String, Codable, Sendable, Comparable, CaseIterable {
    case low, medium, high

    private var rank: Int {
        switch self {
        case .low: 0
        case .medium: 1
        case .high: 2
        }
    }

    public static func < (lhs: AlertPriority, rhs: AlertPriority) -> Bool { lhs.rank < rhs.rank }
}

/// One rule's verdict on one input, with everything needed to explain and replay it.
public struct Decision: Codable, Sendable, Hashable {
    /// The rule id from the profile, e.g. `L10`.
    public var ruleId: String
    public var action: DecisionAction
    public var priority: AlertPriority
    /// One sentence a nurse can act on.
    public var reason: String
    /// The observed values the rule looked at.
    public var inputs: [String: JSONValue]
    /// The thresholds the rule compared them with.
    public var thresholds: [String: JSONValue]
    /// Whether a clinician review is needed as well as the action.
    public var requiresReview: Bool
    /// Whether this is an emergency (call for help, LAST checklist).
    public var emergency: Bool
    /// Extra bedside guidance, e.g. the patient's lipid emulsion doses.
    public var guidance: String?

    public init(
        ruleId: String, action: DecisionAction, priority: AlertPriority, reason: String,
        inputs: [String: JSONValue] = [:], thresholds: [String: JSONValue] = [:], requiresReview: Bool = false,
        emergency: Bool = false, guidance: String? = nil
    ) {
        self.ruleId = ruleId
        self.action = action
        self.priority = priority
        self.reason = reason
        self.inputs = inputs
        self.thresholds = thresholds
        self.requiresReview = requiresReview
        self.emergency = emergency
        self.guidance = guidance
    }
}
