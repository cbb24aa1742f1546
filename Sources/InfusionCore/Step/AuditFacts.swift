import Foundation

/// The audit records a step's outcome is written as (SPEC §6): their actions and details, built from the outcome
/// alone, so every writer of the clinical record states the same facts the same way.
public enum AuditFacts {
    /// The audit entity of a session.
    public static func entity(_ session: Session) -> AuditEntity {
        AuditEntity(type: "session", id: session.id.uuidString, patientId: session.patientId)
    }

    /// `decision.record` for one decision on an event.
    public static func decision(_ decision: Decision, eventId: UUID, ruleSetHash: String, session: Session) -> AuditFact {
        AuditFact(action: "decision.record", actor: .daemon, entity: entity(session), detail: [
            "ruleId": .string(decision.ruleId), "action": .string(decision.action.rawValue),
            "priority": .string(decision.priority.rawValue), "reason": .string(decision.reason),
            "inputs": .object(decision.inputs), "thresholds": .object(decision.thresholds),
            "eventId": .string(eventId.uuidString), "ruleSetHash": .string(ruleSetHash),
        ])
    }

    /// `alert.raise`, `alert.escalate`, `alert.acknowledge` or `alert.resolve` for an alert as it stands after the
    /// change.
    public static func alert(_ change: AlertChange, patientId: String) -> AuditFact {
        let alert = change.alert
        return AuditFact(
            action: change.auditAction, actor: change.actor,
            entity: AuditEntity(type: "alert", id: String(alert.id), patientId: patientId), detail: [
                "sessionId": .string(alert.sessionId.uuidString), "ruleId": .string(alert.ruleId),
                "priority": .string(alert.priority.rawValue), "state": .string(alert.state.rawValue),
                "latched": .bool(alert.latched), "note": alert.note.map(JSONValue.string) ?? .null,
                "escalationLevel": .number(Double(alert.escalationLevel)),
            ])
    }

    /// `session.state` for a change of state.
    public static func sessionState(from previous: Session, to session: Session, actor: AuditActor) -> AuditFact {
        AuditFact(action: "session.state", actor: actor, entity: entity(session), detail: [
            "from": .string(previous.state.rawValue), "to": .string(session.state.rawValue),
        ])
    }

    /// `decisions` as the lead record lists them: `rule:action`, or `rule:action:priority` for the daemon's checks.
    static func decisionList(_ decisions: [Decision], withPriority: Bool) -> JSONValue {
        .array(decisions.map {
            .string(withPriority ? "\($0.ruleId):\($0.action.rawValue):\($0.priority.rawValue)" : "\($0.ruleId):\($0.action.rawValue)")
        })
    }

    /// A monitor binding as the audit trail records it; `null` when it binds nothing.
    static func binding(_ binding: DeviceBinding?) -> JSONValue {
        guard let binding else { return .null }
        return ["bed": binding.bed.map(JSONValue.string) ?? .null, "devices": .array(binding.deviceIds.map(JSONValue.string))]
    }
}
