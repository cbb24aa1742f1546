import Foundation
import InfusionCore
import Testing

/// One cell of the transition table: an action on a session in a state, and what must come of it.
struct TransitionCase: Sendable, CustomTestStringConvertible {
    /// The next state, or the problem code of the refusal.
    enum Outcome: Sendable, Equatable {
        case state(SessionState)
        case refused(String)
    }

    /// The state before the action.
    var from: SessionState
    /// The action applied.
    var action: SessionActionKind
    /// What must come of it.
    var outcome: Outcome

    /// A cell of the table.
    init(_ from: SessionState, _ action: SessionActionKind, _ outcome: Outcome) {
        self.from = from
        self.action = action
        self.outcome = outcome
    }

    /// The row as shown in the test report.
    var testDescription: String { "\(action.rawValue) when \(from.rawValue)" }
}

/// A well-formed request for each action, within the shipped limits.
private func request(_ action: SessionActionKind) -> ActionRequest {
    switch action {
    case .resume: ActionRequest(action: action, by: "dr.ada", reason: "Symptoms resolved on recheck")
    case .stop: ActionRequest(action: action, by: "dr.ada", reason: "Patient request")
    case .rateChange: ActionRequest(action: action, by: "dr.ada", infusion: InfusionOrder(rateMgPerKgPerHour: 1.2))
    case .bolus: ActionRequest(action: action, by: "dr.ada", bolus: BolusOrder(doseMgPerKg: 1, durationMin: 20))
    case .bind: ActionRequest(action: action, by: "rn.bo", binding: DeviceBinding(bed: "ICU^^12"))
    default: ActionRequest(action: action, by: "rn.bo")
    }
}

private let invalid = TransitionCase.Outcome.refused("session.invalidTransition")

/// The session state machine (SPEC §5) and the alert policy (CLINICAL §7).
@Suite("Session machine and alert policy")
struct SessionMachineTests {
    /// The fixed clock.
    static let now = SessionFixture.now

    /// Every action in every state, allowed or refused.
    static let transitions: [TransitionCase] = [
        .init(.running, .pause, .state(.paused)),
        .init(.running, .resume, invalid),
        .init(.running, .stop, .state(.stopped)),
        .init(.running, .rateChange, .state(.running)),
        .init(.running, .bolus, .state(.running)),
        .init(.running, .pumpStopped, .state(.paused)),
        .init(.running, .end, .state(.ended)),
        .init(.running, .close, invalid),
        .init(.running, .bind, .state(.running)),

        .init(.paused, .pause, invalid),
        .init(.paused, .resume, .state(.running)),
        .init(.paused, .stop, .state(.stopped)),
        .init(.paused, .rateChange, .state(.paused)),
        .init(.paused, .bolus, .state(.paused)),
        .init(.paused, .pumpStopped, .state(.paused)),
        .init(.paused, .end, .state(.ended)),
        .init(.paused, .close, invalid),
        .init(.paused, .bind, .state(.paused)),

        .init(.stopped, .pause, invalid),
        .init(.stopped, .resume, .refused("session.stopped")),
        .init(.stopped, .stop, invalid),
        .init(.stopped, .rateChange, invalid),
        .init(.stopped, .bolus, invalid),
        .init(.stopped, .pumpStopped, .state(.stopped)),
        .init(.stopped, .end, invalid),
        .init(.stopped, .close, .refused("session.pumpNotConfirmed")),
        .init(.stopped, .bind, .state(.stopped)),

        .init(.ended, .pause, invalid),
        .init(.ended, .resume, invalid),
        .init(.ended, .stop, .state(.stopped)),
        .init(.ended, .rateChange, invalid),
        .init(.ended, .bolus, invalid),
        .init(.ended, .pumpStopped, .state(.ended)),
        .init(.ended, .end, invalid),
        .init(.ended, .close, .state(.closed)),
        .init(.ended, .bind, .state(.ended)),

        .init(.closed, .pause, invalid),
        .init(.closed, .resume, invalid),
        .init(.closed, .stop, invalid),
        .init(.closed, .rateChange, invalid),
        .init(.closed, .bolus, invalid),
        .init(.closed, .pumpStopped, invalid),
        .init(.closed, .end, invalid),
        .init(.closed, .close, invalid),
        .init(.closed, .bind, invalid),
    ]

    @Test("The table covers every state and action once")
    func tableIsComplete() {
        let cells = Set(Self.transitions.map { "\($0.from.rawValue)/\($0.action.rawValue)" })
        #expect(cells.count == Self.transitions.count)
        #expect(cells.count == SessionState.allCases.count * SessionActionKind.allCases.count)
    }

    @Test("Transitions", arguments: transitions)
    func transition(_ row: TransitionCase) throws {
        let limits = try ProfileFixture.lidocaine().limits
        let session = SessionFixture.session(state: row.from)
        switch row.outcome {
        case .state(let next):
            let outcome = try SessionMachine.apply(request(row.action), to: session, limits: limits, now: Self.now)
            #expect(outcome.session.state == next)
            #expect(outcome.decisions.map(\.ruleId) == (row.action == .stop ? [SessionMachine.clinicianRuleId] : []))
        case .refused(let code):
            let problem = try #require(#expect(throws: DomainError.self) {
                try SessionMachine.apply(request(row.action), to: session, limits: limits, now: Self.now)
            })
            #expect(problem.code == code)
            #expect(problem.kind == .conflict)
            #expect(!problem.detail.isEmpty)
        }
    }

    @Test("A refused transition says what is allowed")
    func refusalDetail() throws {
        let limits = try ProfileFixture.lidocaine().limits
        let problem = try #require(#expect(throws: DomainError.self) {
            try SessionMachine.apply(request(.pause), to: SessionFixture.session(state: .ended), limits: limits, now: Self.now)
        })
        #expect(problem.detail == "Cannot pause a session that is ended; allowed when running.")
    }

    @Test("Resume needs a reason", arguments: [nil, "", "   "] as [String?])
    func resumeNeedsReason(_ reason: String?) throws {
        let limits = try ProfileFixture.lidocaine().limits
        let problem = try #require(#expect(throws: DomainError.self) {
            try SessionMachine.apply(ActionRequest(action: .resume, by: "dr.ada", reason: reason),
                                     to: SessionFixture.session(state: .paused), limits: limits, now: Self.now)
        })
        #expect(problem.code == "action.reasonRequired")
        #expect(problem.kind == .invalid)
        #expect(problem.field == "reason")
    }

    @Test("A stopped order cannot be resumed, even with a reason")
    func stoppedCannotResume() throws {
        let limits = try ProfileFixture.lidocaine().limits
        var session = SessionFixture.session(state: .stopped)
        session.pumpConfirmedStoppedAt = Self.now
        let problem = try #require(#expect(throws: DomainError.self) {
            try SessionMachine.apply(request(.resume), to: session, limits: limits, now: Self.now)
        })
        #expect(problem.code == "session.stopped")
    }

    @Test("A clinician stop is recorded as an ORDER stop decision")
    func clinicianStop() throws {
        let limits = try ProfileFixture.lidocaine().limits
        let outcome = try SessionMachine.apply(request(.stop), to: SessionFixture.session(), limits: limits, now: Self.now)
        #expect(outcome.session.state == .stopped)
        let decision = try #require(outcome.decisions.first)
        #expect(outcome.decisions.count == 1)
        #expect(decision.ruleId == "ORDER")
        #expect(decision.action == .stop)
        #expect(decision.priority == .high)
        #expect(decision.inputs == ["by": "dr.ada"])
        #expect(decision.reason == "Stop ordered by dr.ada: Patient request. Confirm at the bedside that the pump is stopped.")
        #expect(AlertPolicy.latches(decision))

        let unexplained = try SessionMachine.apply(ActionRequest(action: .stop, by: "dr.ada"), to: SessionFixture.session(),
                                                   limits: limits, now: Self.now)
        #expect(unexplained.decisions.first?.reason == "Stop ordered by dr.ada. Confirm at the bedside that the pump is stopped.")
    }

    @Test("Pump confirmation: a running pump confirmed stopped pauses; resume clears the confirmation")
    func pumpConfirmation() throws {
        let limits = try ProfileFixture.lidocaine().limits
        let stopped = try SessionMachine.apply(request(.pumpStopped), to: SessionFixture.session(), limits: limits, now: Self.now)
        #expect(stopped.session.state == .paused)
        #expect(stopped.session.pumpConfirmedStoppedAt == Self.now)
        #expect(stopped.decisions.isEmpty)

        let resumed = try SessionMachine.apply(request(.resume), to: stopped.session, limits: limits, now: Self.now)
        #expect(resumed.session.state == .running)
        #expect(resumed.session.pumpConfirmedStoppedAt == nil)
    }

    @Test("A stopped session closes once the pump is confirmed stopped")
    func closeAfterPumpConfirmed() throws {
        let limits = try ProfileFixture.lidocaine().limits
        let later = Self.now.addingTimeInterval(120)
        let confirmed = try SessionMachine.apply(request(.pumpStopped), to: SessionFixture.session(state: .stopped),
                                                 limits: limits, now: Self.now)
        #expect(confirmed.session.state == .stopped)
        #expect(confirmed.session.pumpConfirmedStoppedAt == Self.now)
        let closed = try SessionMachine.apply(request(.close), to: confirmed.session, limits: limits, now: later)
        #expect(closed.session.state == .closed)
        #expect(closed.session.closedAt == later)
    }

    @Test("End records when the infusion ended; close records when the session closed")
    func endAndClose() throws {
        let limits = try ProfileFixture.lidocaine().limits
        let ended = try SessionMachine.apply(request(.end), to: SessionFixture.session(), limits: limits, now: Self.now)
        #expect(ended.session.endedAt == Self.now)
        #expect(ended.session.closedAt == nil)
        let later = Self.now.addingTimeInterval(1800)
        let closed = try SessionMachine.apply(request(.close), to: ended.session, limits: limits, now: later)
        #expect(closed.session.state == .closed)
        #expect(closed.session.endedAt == Self.now)
        #expect(closed.session.closedAt == later)
    }

    @Test("A rate change sets the new rate and its mg/h")
    func rateChange() throws {
        let limits = try ProfileFixture.lidocaine().limits
        let outcome = try SessionMachine.apply(request(.rateChange), to: SessionFixture.session(), limits: limits, now: Self.now)
        #expect(outcome.session.infusion == InfusionOrder(rateMgPerKgPerHour: 1.2))
        #expect(outcome.session.doses.infusionMgPerHour == 84)
        #expect(outcome.decisions.isEmpty)
    }

    @Test("Rate change and bolus need their order", arguments: [
        (SessionActionKind.rateChange, "infusion"), (.bolus, "bolus"),
    ])
    func missingOrder(_ action: SessionActionKind, _ field: String) throws {
        let limits = try ProfileFixture.lidocaine().limits
        let problem = try #require(#expect(throws: DomainError.self) {
            try SessionMachine.apply(ActionRequest(action: action, by: "dr.ada"), to: SessionFixture.session(),
                                     limits: limits, now: Self.now)
        })
        #expect(problem.code == "action.missingField")
        #expect(problem.field == field)
    }

    // MARK: - Rule decisions on the session

    @Test("Rule decisions: a stop stops an open session, a pause pauses only a running one", arguments: [
        (SessionState.running, [DecisionAction.stop], SessionState.stopped),
        (.paused, [.stop], .stopped),
        (.ended, [.stop], .stopped),
        (.stopped, [.stop], .stopped),
        (.closed, [.stop], .closed),
        (.running, [.pause], .paused),
        (.paused, [.pause], .paused),
        (.ended, [.pause], .ended),
        (.stopped, [.pause], .stopped),
        (.running, [.alert], .running),
        (.running, [.review], .running),
        (.running, [], .running),
        (.running, [.alert, .pause, .stop], .stopped),
        (.running, [.pause, .review, .alert], .paused),
        (.paused, [.alert, .stop], .stopped),
    ] as [(SessionState, [DecisionAction], SessionState)])
    func ruleDecisions(_ from: SessionState, _ actions: [DecisionAction], _ expected: SessionState) {
        let decisions = actions.map { Decision(ruleId: "T", action: $0, priority: .high, reason: "Test.") }
        #expect(SessionMachine.apply(decisions, to: SessionFixture.session(state: from)).state == expected)
    }

    @Test("A rule stop asks for a fresh pump confirmation")
    func ruleStopClearsPumpConfirmation() {
        var session = SessionFixture.session(state: .paused)
        session.pumpConfirmedStoppedAt = Self.now
        let stopped = SessionMachine.apply([Decision(ruleId: "L04", action: .stop, priority: .high, reason: "Test.")], to: session)
        #expect(stopped.state == .stopped)
        #expect(stopped.pumpConfirmedStoppedAt == nil)
        let paused = SessionMachine.apply([Decision(ruleId: "L07", action: .pause, priority: .high, reason: "Test.")], to: session)
        #expect(paused.pumpConfirmedStoppedAt == Self.now)
    }

    @Test("A shipped-profile observation flows through to the session state")
    func observationToState() throws {
        let profile = try ProfileFixture.lidocaine()
        let session = SessionFixture.session()
        let pause = RuleEngine.evaluate(profile.rules, observation: SessionFixture.observation(symptoms: [.tinnitus]), session: session)
        #expect(SessionMachine.apply(pause, to: session).state == .paused)
        let stop = RuleEngine.evaluate(profile.rules, observation: SessionFixture.observation(symptoms: [.tinnitus, .metallicTaste]),
                                       session: session)
        #expect(SessionMachine.apply(stop, to: session).state == .stopped)
        let alert = RuleEngine.evaluate(profile.rules, observation: SessionFixture.observation(symptoms: [.headache]), session: session)
        #expect(SessionMachine.apply(alert, to: session).state == .running)
    }

    // MARK: - Alert policy

    /// An unresolved alert for a rule (L10 medium, active, not latched unless given).
    static func alert(
        id: Int64 = 7, ruleId: String = "L10", priority: AlertPriority = .medium, state: AlertState = .active,
        latched: Bool = false
    ) -> Alert {
        Alert(id: id, sessionId: SessionFixture.session().id, ruleId: ruleId, priority: priority, state: state, latched: latched,
              reason: "Test.", raisedAt: now, updatedAt: now)
    }

    /// A decision for a rule (L10 pause medium unless given).
    static func decision(_ ruleId: String = "L10", _ action: DecisionAction = .pause, _ priority: AlertPriority = .medium) -> Decision {
        Decision(ruleId: ruleId, action: action, priority: priority, reason: "Test.")
    }

    @Test("A new condition raises an alert")
    func raises() {
        let decision = Self.decision()
        #expect(AlertPolicy.changes(for: [decision], unresolved: []) == [.raise(decision)])
        #expect(AlertPolicy.changes(for: [decision], unresolved: [Self.alert(ruleId: "L07")]) == [.raise(decision)])
    }

    @Test("No duplicate alert for the same rule while it is unresolved", arguments: [AlertState.active, .acknowledged])
    func noDuplicate(_ state: AlertState) {
        let existing = Self.alert(state: state)
        #expect(AlertPolicy.changes(for: [Self.decision()], unresolved: [existing]).isEmpty)
        #expect(AlertPolicy.changes(for: [Self.decision("L10", .pause, .low)], unresolved: [existing]).isEmpty)
    }

    @Test("A higher priority updates the alert and reactivates it if acknowledged", arguments: [
        (AlertState.active, false), (.acknowledged, true),
    ])
    func higherPriority(_ state: AlertState, _ reactivate: Bool) {
        let decision = Self.decision("L10", .pause, .high)
        #expect(AlertPolicy.changes(for: [decision], unresolved: [Self.alert(state: state)])
                == [.update(alertId: 7, priority: .high, reactivate: reactivate, decision: decision)])
    }

    @Test("A stop on a rule whose alert is not latched updates it at the same priority")
    func stopLatchesExisting() {
        let stop = Self.decision("L06", .stop, .high)
        let pauseAlert = Self.alert(id: 9, ruleId: "L06", priority: .high, state: .acknowledged)
        #expect(AlertPolicy.changes(for: [stop], unresolved: [pauseAlert])
                == [.update(alertId: 9, priority: .high, reactivate: true, decision: stop)])
        let latched = Self.alert(id: 9, ruleId: "L06", priority: .high, state: .acknowledged, latched: true)
        #expect(AlertPolicy.changes(for: [stop], unresolved: [latched]).isEmpty)
    }

    @Test("Several decisions: each is judged against its own rule's alert")
    func several() {
        let l10 = Self.decision()
        let l11 = Self.decision("L11", .stop, .high)
        #expect(AlertPolicy.changes(for: [l10, l11], unresolved: [Self.alert()]) == [.raise(l11)])
    }

    @Test("Only stops latch", arguments: DecisionAction.allCases)
    func latches(_ action: DecisionAction) {
        #expect(AlertPolicy.latches(Self.decision("L01", action, .high)) == (action == .stop))
    }

    @Test("Acknowledging: a latched alert resolves only once the pump is confirmed stopped", arguments: [
        (true, false, AlertState.acknowledged),
        (true, true, .resolved),
        (false, false, .acknowledged),
        (false, true, .acknowledged),
    ])
    func acknowledgement(_ latched: Bool, _ pumpConfirmed: Bool, _ expected: AlertState) {
        let alert = Self.alert(ruleId: "L04", priority: .high, latched: latched)
        #expect(AlertPolicy.stateAfterAcknowledgement(alert, pumpConfirmed: pumpConfirmed) == expected)
    }
}
