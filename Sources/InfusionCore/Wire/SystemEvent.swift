import Foundation

/// The body of a clinical event the daemon records itself: a time-driven rule evaluation (dose cap, duration,
/// predicted level) or the stop of another session of the same patient (X01).
public struct SystemEvent: Codable, Sendable, Hashable {
    /// Why the daemon evaluated the session's rules without an observation or action.
    public enum Cause: String, Codable, Sendable {
        /// Time passed: delivered dose, duration and predicted level are re-evaluated.
        case clock
        /// Another open session of the same patient was stopped by a rule.
        case otherSessionStopped
    }

    public var cause: Cause
    /// The stopped session, for `otherSessionStopped`.
    public var otherSessionId: UUID?
    /// The stopped session's drug.
    public var otherDrug: Drug?
    /// The rule that stopped the other session.
    public var otherRuleId: String?

    public init(cause: Cause, otherSessionId: UUID? = nil, otherDrug: Drug? = nil, otherRuleId: String? = nil) {
        self.cause = cause
        self.otherSessionId = otherSessionId
        self.otherDrug = otherDrug
        self.otherRuleId = otherRuleId
    }
}
