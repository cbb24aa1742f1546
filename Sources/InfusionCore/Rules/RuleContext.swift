import Foundation

/// Everything the rule engine may look at for one evaluation: the session, the time, what triggered it (an
/// observation, an action, the clock, another session's stop), the session's history, and the delivered dose and
/// predicted plasma level derived from that history. Built from recorded data only, so a replay rebuilds it exactly.
public struct RuleContext: Sendable {
    /// The session as it stands before this evaluation's decisions (after the action, for an action).
    public var session: Session
    /// When the daemon evaluates: the event's recording time.
    public var at: Date
    /// The observation being evaluated, if the trigger is one.
    public var observation: ObservationRequest?
    /// The other session's stop, when that is the trigger (X01).
    public var otherSessionStop: SystemEvent?
    /// The session's events recorded before this evaluation (and the action itself, for an action).
    public var history: SessionHistory
    /// The delivered dose at `at`, when the history holds the start.
    public var delivered: DeliveredDose?
    /// The predicted plasma level at `at`, when the history holds the start.
    public var prediction: PlasmaPrediction?

    /// A context; the delivered dose and prediction are computed from the history when it holds the start event.
    public init(
        session: Session, at: Date, observation: ObservationRequest? = nil, otherSessionStop: SystemEvent? = nil,
        history: SessionHistory = .empty, pharmacokinetics: PharmacokineticsSettings? = nil
    ) {
        self.session = session
        self.at = at
        self.observation = observation
        self.otherSessionStop = otherSessionStop
        self.history = history
        if history.start != nil {
            let plan = DeliveryPlan(session: session, history: history)
            delivered = plan.delivered(at: at)
            prediction = PlasmaPredictor.predict(
                session: session, plan: plan, settings: pharmacokinetics ?? .standard(for: session.drug), at: at)
        }
    }

    /// Whether dose, duration and predicted-level rules apply: only while delivery runs or may resume.
    public var deliveryOngoing: Bool { session.state == .running || session.state == .paused }
}
