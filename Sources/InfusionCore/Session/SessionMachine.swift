import Foundation

/// The session state machine (SPEC §5) as pure functions: a session and an input in, the next session and what
/// must be recorded out. The store applies the result inside one transaction.
public enum SessionMachine {
    /// The rule id under which clinician-ordered stops and pauses are recorded.
    public static let clinicianRuleId = "ORDER"
    /// The rule id of regimen-limit decisions (CLINICAL §6).
    public static let regimenRuleId = "L15"

    /// The result of applying an action.
    public struct Outcome: Sendable {
        public var session: Session
        /// Decisions this action caused (a clinician stop, a soft-limit override review).
        public var decisions: [Decision]
    }

    /// Applies a clinician or bedside action; regimen-limit overrides are recorded under `regimenRule` (L15, or K01
    /// for ketamine).
    public static func apply(
        _ request: ActionRequest, to session: Session, limits: RegimenLimits, regimenRule: RegimenRule = .standard, now: Date
    ) throws(DomainError) -> Outcome {
        var next = session
        var decisions: [Decision] = []
        let by = request.by
        switch request.action {
        case .pause:
            try require(session, in: [.running], for: request.action)
            next.state = .paused
        case .resume:
            if session.state == .stopped {
                throw DomainError(.conflict, code: "session.stopped", title: "A stopped order cannot be resumed",
                              detail: "This order was stopped; delivery cannot resume. Start a new session with a new order if treatment should continue.")
            }
            try require(session, in: [.paused], for: request.action)
            try requireReason(request)
            next.state = .running
            next.pumpConfirmedStoppedAt = nil
        case .stop:
            try require(session, in: [.running, .paused, .ended], for: request.action)
            next.state = .stopped
            // A stop needs its own bedside confirmation, whatever was confirmed before.
            next.pumpConfirmedStoppedAt = nil
            decisions.append(Decision(
                ruleId: clinicianRuleId, action: .stop, priority: .high,
                reason: "Stop ordered by \(by)\(request.reason.map { ": \($0)" } ?? ""). Confirm at the bedside that the pump is stopped.",
                inputs: ["by": .string(by)]))
        case .rateChange:
            try require(session, in: [.running, .paused], for: request.action)
            guard let infusion = request.infusion else {
                throw DomainError(.invalid, code: "action.missingField", title: "New rate missing",
                              detail: "A rateChange needs infusion.rateMgPerKgPerHour with the new rate.", field: "infusion")
            }
            decisions += try checkLimits(bolus: nil, infusion: infusion, session: session, limits: limits, override: request.override,
                                         regimenRule: regimenRule)
            next.infusion = infusion
            next.doses = ComputedDoses(bolus: session.bolus, infusion: infusion, dosingWeightKg: session.dosingWeightKg)
        case .bolus:
            try require(session, in: [.running, .paused], for: request.action)
            guard let bolus = request.bolus else {
                throw DomainError(.invalid, code: "action.missingField", title: "Bolus missing",
                              detail: "A bolus action needs bolus.doseMgPerKg and bolus.durationMin.", field: "bolus")
            }
            decisions += try checkLimits(bolus: bolus, infusion: nil, session: session, limits: limits, override: request.override,
                                         regimenRule: regimenRule)
            next.bolus = bolus
            next.doses = ComputedDoses(bolus: bolus, infusion: session.infusion, dosingWeightKg: session.dosingWeightKg)
        case .pumpStopped:
            try require(session, in: [.running, .paused, .stopped, .ended], for: request.action)
            if session.state == .running { next.state = .paused }
            next.pumpConfirmedStoppedAt = now
        case .end:
            try require(session, in: [.running, .paused], for: request.action)
            next.state = .ended
            next.endedAt = now
        case .close:
            if session.state == .stopped && session.pumpConfirmedStoppedAt == nil {
                throw DomainError(.conflict, code: "session.pumpNotConfirmed", title: "Pump not confirmed stopped",
                              detail: "Post pumpStopped from the bedside before closing a stopped session.")
            }
            try require(session, in: [.ended, .stopped], for: request.action)
            next.state = .closed
            next.closedAt = now
        case .bind:
            try require(session, in: [.running, .paused, .stopped, .ended], for: request.action)
            guard let binding = request.binding else {
                throw DomainError(.invalid, code: "action.missingField", title: "Binding missing",
                              detail: "A bind action needs binding {bed, devices}: the bed as PV1-3 and the devices as OBX-18 send them; an empty binding unbinds.",
                              field: "binding")
            }
            try binding.validate(field: "binding")
            next.binding = binding.normalized
        }
        return Outcome(session: next, decisions: decisions)
    }

    /// Applies the rules' decisions on an observation: a stop stops, a pause pauses a running session.
    public static func apply(_ decisions: [Decision], to session: Session) -> Session {
        var next = session
        guard let strongest = decisions.map(\.action).max() else { return next }
        switch (strongest, session.state) {
        case (.stop, .running), (.stop, .paused), (.stop, .ended):
            next.state = .stopped
            next.pumpConfirmedStoppedAt = nil
        case (.pause, .running):
            next.state = .paused
        default:
            break
        }
        return next
    }

    /// Checks an order against the profile's limits: hard breaches throw `dose.hardLimit`; soft breaches throw
    /// `dose.softLimit` unless overridden, when they become an L15 review decision carrying the override.
    public static func checkLimits(
        bolus: BolusOrder?, infusion: InfusionOrder?, session: Session, limits: RegimenLimits, override: Override?,
        regimenRule: RegimenRule = .standard
    ) throws(DomainError) -> [Decision] {
        try checkLimits(bolus: bolus, infusion: infusion, dosingWeightKg: session.dosingWeightKg, limits: limits, override: override,
                        regimenRule: regimenRule)
    }

    /// Checks an order at a dosing weight; see ``checkLimits(bolus:infusion:session:limits:override:)``.
    public static func checkLimits(
        bolus: BolusOrder?, infusion: InfusionOrder?, dosingWeightKg: Double, limits: RegimenLimits, override: Override?,
        regimenRule: RegimenRule = .standard
    ) throws(DomainError) -> [Decision] {
        let breaches = limits.check(bolus: bolus, infusion: infusion, dosingWeightKg: dosingWeightKg)
        if let hard = breaches.first(where: { $0.severity == .hard }) {
            throw DomainError(.invalid, code: "dose.hardLimit", title: "Hard dose limit breached",
                          detail: "\(hard.message) Hard limits cannot be overridden; change the order.",
                          field: hard.field, limits: limitFacts(hard))
        }
        guard let soft = breaches.first else { return [] }
        guard let override, !override.by.isEmpty, !override.reason.trimmingCharacters(in: .whitespaces).isEmpty else {
            throw DomainError(.invalid, code: "dose.softLimit", title: "Soft dose limit breached",
                          detail: "\(soft.message) A clinician may proceed by sending override {by, reason}.",
                          field: soft.field, limits: limitFacts(soft))
        }
        return breaches.map { breach in
            Decision(
                ruleId: regimenRule.id, action: .review, priority: regimenRule.priority,
                reason: "\(breach.message) Overridden by \(override.by): \(override.reason)",
                inputs: [breach.field: .number(breach.value), "overrideBy": .string(override.by),
                         "overrideReason": .string(override.reason)],
                thresholds: [breach.limit: .number(breach.bound)], requiresReview: true)
        }
    }

    private static func limitFacts(_ breach: LimitBreach) -> [String: JSONValue] {
        ["limit": .string(breach.limit), "value": .number(breach.value), "bound": .number(breach.bound), "unit": .string(breach.unit)]
    }

    private static func require(_ session: Session, in states: [SessionState], for action: SessionActionKind) throws(DomainError) {
        guard states.contains(session.state) else {
            throw DomainError(.conflict, code: "session.invalidTransition", title: "Action not allowed now",
                          detail: "Cannot \(action.rawValue) a session that is \(session.state.rawValue); allowed when \(states.map(\.rawValue).joined(separator: " or ")).")
        }
    }

    private static func requireReason(_ request: ActionRequest) throws(DomainError) {
        guard let reason = request.reason, !reason.trimmingCharacters(in: .whitespaces).isEmpty else {
            throw DomainError(.invalid, code: "action.reasonRequired", title: "Reason required",
                          detail: "Give a reason when you \(request.action.rawValue) a session.", field: "reason")
        }
    }
}
