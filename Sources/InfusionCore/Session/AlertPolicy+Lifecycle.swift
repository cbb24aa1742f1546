import Foundation

/// Resolution and escalation (CLINICAL §7): conditions that clear resolve their alerts unless latched; alerts
/// nobody acknowledges escalate on the profile's timers; acknowledged high alerts sound again while unresolved.
extension AlertPolicy {
    /// The next escalation an alert is due, if any.
    public enum EscalationStep: Sendable, Hashable {
        /// Route the alert at a higher priority (medium → high, low → medium).
        case raisePriority(AlertPriority)
        /// Raise a high alert's escalation level (1: second responder, 2: rapid response, …).
        case level(Int)
        /// Make an acknowledged, unresolved high alert active again; its escalation starts over.
        case resound
    }

    /// The unresolved alerts to resolve because their condition cleared: not latched, the rule proven clear and
    /// not fired again.
    public static func resolutions(unresolved: [Alert], cleared: Set<String>, fired: Set<String>) -> [Alert] {
        unresolved.filter { !$0.latched && cleared.contains($0.ruleId) && !fired.contains($0.ruleId) }
    }

    /// When the alert's current stretch began: for an active alert, when it last became active at its current
    /// priority; for an acknowledged one, when it was acknowledged. `history` is the alert's events, oldest first;
    /// without them the alert's own times are used.
    public static func escalationAnchor(_ alert: Alert, history: [AlertEvent]) -> Date {
        switch alert.state {
        case .active:
            var since = alert.raisedAt
            var previous: Alert?
            for event in history {
                let current = event.alert
                if current.state == .active && (previous?.state != .active || previous?.priority != current.priority) {
                    since = event.at
                }
                previous = current
            }
            return since
        case .acknowledged:
            return history.last(where: { $0.kind == .acknowledged })?.at ?? alert.acknowledgedAt ?? alert.updatedAt
        case .resolved:
            return alert.resolvedAt ?? alert.updatedAt
        }
    }

    /// The escalation due for an alert at `now`, or nil when none is.
    ///
    /// Active high: level n once it has been unacknowledged for the n-th `highLevelsAfter` (at least). Active medium
    /// for `mediumToHighAfter`: raise to high. Active low for `lowToMediumAfter`: raise to medium. Acknowledged high
    /// for `resoundAcknowledgedHighAfter`: sound again. Never for a rule in `neverEscalate`.
    public static func escalation(for alert: Alert, history: [AlertEvent], spec: EscalationSpec, now: Date) -> EscalationStep? {
        guard spec.escalates(alert.ruleId) else { return nil }
        let elapsed = now.timeIntervalSince(escalationAnchor(alert, history: history))
        switch (alert.state, alert.priority) {
        case (.active, .high):
            let level = spec.highLevelsAfter.filter { elapsed >= $0.seconds }.count
            return level > alert.escalationLevel ? .level(level) : nil
        case (.active, .medium):
            return elapsed >= spec.mediumToHighAfter.seconds ? .raisePriority(.high) : nil
        case (.active, .low):
            return elapsed >= spec.lowToMediumAfter.seconds ? .raisePriority(.medium) : nil
        case (.acknowledged, .high):
            return elapsed >= spec.resoundAcknowledgedHighAfter.seconds ? .resound : nil
        default:
            return nil
        }
    }

    /// The alert after an escalation step at `now`.
    public static func applying(_ step: EscalationStep, to alert: Alert, now: Date) -> Alert {
        var next = alert
        next.updatedAt = now
        switch step {
        case .raisePriority(let priority):
            next.priority = max(alert.priority, priority)
            next.escalationLevel = 0
        case .level(let level):
            next.escalationLevel = max(alert.escalationLevel, level)
        case .resound:
            next.state = .active
            next.escalationLevel = 0
        }
        return next
    }

    /// Who the alert goes to at its priority and level, for people and hooks: `primary`, `second responder`,
    /// `rapid response`.
    public static func routing(_ alert: Alert) -> String {
        switch (alert.priority, alert.escalationLevel) {
        case (.high, 1): "second responder"
        case (.high, let level) where level >= 2: "rapid response"
        default: "primary"
        }
    }
}
