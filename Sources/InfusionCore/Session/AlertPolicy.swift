import Foundation

/// How decisions become alerts (CLINICAL §7): one alert per condition, never hidden by an acknowledgement.
public enum AlertPolicy {
    /// What to do with the alerts for one decision.
    public enum Change: Sendable, Hashable {
        /// Raise a new alert.
        case raise(Decision)
        /// The condition's alert exists; raise its priority (and re-activate it if acknowledged) or refresh it.
        case update(alertId: Int64, priority: AlertPriority, reactivate: Bool, decision: Decision)
    }

    /// The alert changes for a set of decisions given the session's unresolved alerts.
    public static func changes(for decisions: [Decision], unresolved: [Alert]) -> [Change] {
        decisions.compactMap { decision in
            guard let existing = unresolved.first(where: { $0.ruleId == decision.ruleId }) else {
                return .raise(decision)
            }
            if decision.priority > existing.priority || decision.action == .stop && !existing.latched {
                return .update(alertId: existing.id, priority: max(existing.priority, decision.priority),
                               reactivate: existing.state == .acknowledged, decision: decision)
            }
            // The same condition again while its alert stands: no duplicate, no re-sound.
            return nil
        }
    }

    /// Whether a decision's alert latches (stops latch until acknowledged and the pump is confirmed stopped).
    public static func latches(_ decision: Decision) -> Bool { decision.action == .stop }

    /// The state an alert takes when acknowledged: latched alerts resolve only once the pump is confirmed stopped.
    public static func stateAfterAcknowledgement(_ alert: Alert, pumpConfirmed: Bool) -> AlertState {
        if alert.latched { return pumpConfirmed ? .resolved : .acknowledged }
        return .acknowledged
    }
}
