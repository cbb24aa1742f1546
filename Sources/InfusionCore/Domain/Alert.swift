import Foundation

/// Where an alert is in its life.
public enum AlertState: String, Codable, Sendable, CaseIterable {
    case active, acknowledged, resolved
}

/// An alarm raised for one condition on one session.
public struct Alert: Codable, Sendable, Hashable, Identifiable {
    public var id: Int64
    public var sessionId: UUID
    /// The rule whose condition this alert is about; one alert per rule and session while unresolved.
    public var ruleId: String
    public var priority: AlertPriority
    public var state: AlertState
    /// Latched alerts (stops) stay until acknowledged and the pump is confirmed stopped.
    public var latched: Bool
    public var reason: String
    public var guidance: String?
    public var raisedAt: Date
    public var updatedAt: Date
    public var acknowledgedBy: String?
    public var acknowledgedAt: Date?
    public var note: String?
    public var resolvedAt: Date?
    public var escalationLevel: Int

    public init(
        id: Int64, sessionId: UUID, ruleId: String, priority: AlertPriority, state: AlertState, latched: Bool,
        reason: String, guidance: String? = nil, raisedAt: Date, updatedAt: Date, acknowledgedBy: String? = nil,
        acknowledgedAt: Date? = nil, note: String? = nil, resolvedAt: Date? = nil, escalationLevel: Int = 0
    ) {
        self.id = id
        self.sessionId = sessionId
        self.ruleId = ruleId
        self.priority = priority
        self.state = state
        self.latched = latched
        self.reason = reason
        self.guidance = guidance
        self.raisedAt = raisedAt
        self.updatedAt = updatedAt
        self.acknowledgedBy = acknowledgedBy
        self.acknowledgedAt = acknowledgedAt
        self.note = note
        self.resolvedAt = resolvedAt
        self.escalationLevel = escalationLevel
    }
}
