import Foundation
import InfusionCore

/// A session and its recorded history built step by step, as the store would record them, for the dose,
/// prediction and trend tests. Times are minutes from the session's start.
struct TimelineFixture {
    /// The session as it stands after the last step.
    var session: Session
    /// Everything recorded so far, oldest first.
    var entries: [SessionHistory.Entry]

    /// A running session started at `SessionFixture.now` with this order.
    init(drug: Drug = .lidocaine, weightKg: Double = 70, bolus: BolusOrder? = nil, infusion: InfusionOrder? = nil,
         flags: PatientFlags? = nil, plannedDurationMin: Double? = nil) {
        var session = Session(
            id: UUID(uuidString: "00000000-0000-0000-0000-0000000000c1")!, patientId: "MRN-TIMELINE", drug: drug,
            state: .running, weightKg: weightKg, heightCm: nil, sex: nil, dosingWeight: .actual, dosingWeightKg: weightKg,
            bolus: bolus, infusion: infusion, prescriber: "dr.ada", startedBy: "rn.bo", startedAt: Self.origin,
            baseline: SessionFixture.baseline, override: nil, ruleSetHash: "test")
        session.flags = flags
        session.plannedDurationMin = plannedDurationMin
        self.session = session
        let request = StartSessionRequest(
            patientId: session.patientId, drug: drug, weightKg: weightKg, bolus: bolus, infusion: infusion,
            prescriber: "dr.ada", recordedBy: "rn.bo", baseline: SessionFixture.baseline, flags: flags,
            plannedDurationMin: plannedDurationMin)
        entries = [SessionHistory.Entry(sequence: 1, recordedAt: Self.origin, occurredAt: Self.origin,
                                        stateAfter: .running, payload: .start(request))]
    }

    /// Where every timeline starts.
    static let origin = SessionFixture.now

    /// The time `minutes` after the start.
    static func at(_ minutes: Double) -> Date { origin.addingTimeInterval(minutes * 60) }

    /// The history recorded so far.
    var history: SessionHistory { SessionHistory(entries: entries) }

    /// The delivery plan integrated from the history.
    var plan: DeliveryPlan { DeliveryPlan(session: session, history: history) }

    /// Records an action at `minute` that leaves the session in `state` (as the state machine would).
    mutating func act(_ action: SessionActionKind, at minute: Double, state: SessionState, infusion: InfusionOrder? = nil,
                      bolus: BolusOrder? = nil, reason: String? = "per protocol") {
        let request = ActionRequest(action: action, by: "dr.ada", reason: reason, infusion: infusion, bolus: bolus)
        append(at: minute, state: state, payload: .action(request))
        if let infusion { session.infusion = infusion }
    }

    /// Records an observation at `minute` after which the session was in `state` (a rule's pause or stop shows here).
    mutating func observe(at minute: Double, state: SessionState? = nil, symptoms: [Symptom]? = nil, vitals: Vitals? = nil,
                          feedId: String? = nil) {
        var observation = ObservationRequest(
            eventId: UUID(), observedAt: Self.at(minute), recordedBy: "rn.bo", vitals: vitals, symptoms: symptoms)
        observation.feedId = feedId
        append(at: minute, state: state ?? session.state, payload: .observation(observation))
    }

    private mutating func append(at minute: Double, state: SessionState, payload: SessionHistory.Entry.Payload) {
        let time = Self.at(minute)
        entries.append(SessionHistory.Entry(sequence: Int64(entries.count + 1), recordedAt: time, occurredAt: time,
                                            stateAfter: state, payload: payload))
        session.state = state
    }

    /// An observation at `minute` that has not been recorded yet (the one under evaluation).
    static func observation(at minute: Double, symptoms: [Symptom]? = nil, vitals: Vitals? = nil, feedId: String? = nil) -> ObservationRequest {
        var observation = ObservationRequest(eventId: UUID(), observedAt: at(minute), recordedBy: "rn.bo", vitals: vitals, symptoms: symptoms)
        observation.feedId = feedId
        return observation
    }

    /// The rule context at `minute`, for an observation or a daemon check, with the profile's PK settings or others.
    func context(at minute: Double, observation: ObservationRequest? = nil, otherSessionStop: SystemEvent? = nil,
                 pharmacokinetics: PharmacokineticsSettings? = nil) -> RuleContext {
        RuleContext(session: session, at: Self.at(minute), observation: observation, otherSessionStop: otherSessionStop,
                    history: history, pharmacokinetics: pharmacokinetics)
    }
}
