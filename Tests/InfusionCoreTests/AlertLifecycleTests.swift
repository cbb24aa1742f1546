import Foundation
import InfusionCore
import Testing

/// CLINICAL §7: escalation timers, re-sounding, and resolution when a condition clears (never for latched alerts).
@Suite("Alert lifecycle: escalation and resolution")
struct AlertLifecycleTests {
    static let raised = SessionFixture.now
    static let spec = EscalationSpec.standard

    static func alert(priority: AlertPriority, state: AlertState = .active, level: Int = 0, latched: Bool = false,
                      ruleId: String = "L07", acknowledgedAt: Date? = nil) -> Alert {
        Alert(id: 1, sessionId: SessionFixture.session().id, ruleId: ruleId, priority: priority, state: state, latched: latched,
              reason: "r", raisedAt: raised, updatedAt: raised, acknowledgedAt: acknowledgedAt, escalationLevel: level)
    }

    static func after(_ seconds: Double) -> Date { raised.addingTimeInterval(seconds) }

    struct Case: Sendable, CustomTestStringConvertible {
        var priority: AlertPriority
        var state: AlertState
        var level: Int
        var seconds: Double
        var expected: AlertPolicy.EscalationStep?
        var testDescription: String { "\(state.rawValue) \(priority.rawValue) level \(level) after \(seconds) s" }
    }

    @Test("escalation at and just before each timer", arguments: [
        Case(priority: .high, state: .active, level: 0, seconds: 59.999, expected: nil),
        Case(priority: .high, state: .active, level: 0, seconds: 60, expected: .level(1)),
        Case(priority: .high, state: .active, level: 1, seconds: 179.999, expected: nil),
        Case(priority: .high, state: .active, level: 1, seconds: 180, expected: .level(2)),
        Case(priority: .high, state: .active, level: 0, seconds: 180, expected: .level(2)),
        Case(priority: .high, state: .active, level: 2, seconds: 10_000, expected: nil),
        Case(priority: .medium, state: .active, level: 0, seconds: 299.999, expected: nil),
        Case(priority: .medium, state: .active, level: 0, seconds: 300, expected: .raisePriority(.high)),
        Case(priority: .low, state: .active, level: 0, seconds: 899.999, expected: nil),
        Case(priority: .low, state: .active, level: 0, seconds: 900, expected: .raisePriority(.medium)),
        Case(priority: .high, state: .acknowledged, level: 1, seconds: 599.999, expected: nil),
        Case(priority: .high, state: .acknowledged, level: 1, seconds: 600, expected: .resound),
        Case(priority: .medium, state: .acknowledged, level: 0, seconds: 100_000, expected: nil),
        Case(priority: .high, state: .resolved, level: 0, seconds: 100_000, expected: nil),
    ])
    func escalation(_ scenario: Case) {
        let alert = Self.alert(priority: scenario.priority, state: scenario.state, level: scenario.level,
                               acknowledgedAt: scenario.state == .acknowledged ? Self.raised : nil)
        #expect(AlertPolicy.escalation(for: alert, history: [], spec: Self.spec, now: Self.after(scenario.seconds)) == scenario.expected)
    }

    @Test("the timers count from when the alert last became active at its priority")
    func anchorFollowsHistory() {
        let high = Self.alert(priority: .high)
        var medium = high
        medium.priority = .medium
        var acknowledged = medium
        acknowledged.state = .acknowledged
        // Raised medium, acknowledged at 100 s, re-activated as high by a worse decision at 200 s.
        let history = [
            AlertEvent(id: 1, kind: .raised, at: Self.raised, alert: medium),
            AlertEvent(id: 2, kind: .acknowledged, at: Self.after(100), alert: acknowledged),
            AlertEvent(id: 3, kind: .escalated, at: Self.after(200), alert: high),
        ]
        #expect(AlertPolicy.escalationAnchor(high, history: history) == Self.after(200))
        #expect(AlertPolicy.escalation(for: high, history: history, spec: Self.spec, now: Self.after(259.999)) == nil)
        #expect(AlertPolicy.escalation(for: high, history: history, spec: Self.spec, now: Self.after(260)) == .level(1))
        // A level raised by the timer does not restart the count.
        var level1 = high
        level1.escalationLevel = 1
        let more = history + [AlertEvent(id: 4, kind: .escalated, at: Self.after(260), alert: level1)]
        #expect(AlertPolicy.escalationAnchor(level1, history: more) == Self.after(200))
        #expect(AlertPolicy.escalation(for: level1, history: more, spec: Self.spec, now: Self.after(380)) == .level(2))
    }

    @Test("applying steps: priority up, level up, re-sound starts over")
    func applying() {
        let now = Self.after(1000)
        let raised = AlertPolicy.applying(.raisePriority(.high), to: Self.alert(priority: .medium), now: now)
        #expect(raised.priority == .high && raised.escalationLevel == 0 && raised.updatedAt == now)
        #expect(AlertPolicy.applying(.level(2), to: Self.alert(priority: .high, level: 1), now: now).escalationLevel == 2)
        let resounded = AlertPolicy.applying(.resound, to: Self.alert(priority: .high, state: .acknowledged, level: 2), now: now)
        #expect(resounded.state == .active && resounded.escalationLevel == 0)
        #expect(AlertPolicy.routing(Self.alert(priority: .high, level: 1)) == "second responder")
        #expect(AlertPolicy.routing(Self.alert(priority: .high, level: 2)) == "rapid response")
        #expect(AlertPolicy.routing(Self.alert(priority: .medium)) == "primary")
    }

    @Test("a cleared condition resolves its alert unless latched or fired again")
    func resolutions() {
        let open = [Self.alert(priority: .high, ruleId: "L07"), Self.alert(priority: .high, latched: true, ruleId: "L11"),
                    Self.alert(priority: .medium, state: .acknowledged, ruleId: "L10")]
        let resolved = AlertPolicy.resolutions(unresolved: open, cleared: ["L07", "L11", "L10"], fired: ["L10"])
        #expect(resolved.map(\.ruleId) == ["L07"])
    }

    // MARK: Which rules an observation proves clear (shipped lidocaine profile)

    static func cleared(_ observation: ObservationRequest, fired: [Decision] = []) throws -> Set<String> {
        let profile = try ProfileFixture.lidocaine()
        let context = RuleContext(session: SessionFixture.session(), at: SessionFixture.now, observation: observation)
        return RuleEngine.clearedRuleIds(profile.rules, context: context, decisions: fired)
    }

    @Test("a measured value back in range clears its rule; an unmeasured one proves nothing")
    func clearanceNeedsTheInput() throws {
        let normal = try Self.cleared(SessionFixture.observation(vitals: Vitals(spo2Percent: 92)))
        #expect(normal.contains("L07"))
        #expect(!normal.contains("L04"))
        let atThreshold = try Self.cleared(SessionFixture.observation(vitals: Vitals(spo2Percent: 91)))
        #expect(!atThreshold.contains("L07"))
    }

    @Test("an explicit empty symptom list clears symptom rules; no list proves nothing")
    func clearanceOfSymptoms() throws {
        let none = try Self.cleared(SessionFixture.observation(vitals: Vitals(heartRateBpm: 72), symptoms: []))
        #expect(none.contains("L10"))
        let notAsked = try Self.cleared(SessionFixture.observation(vitals: Vitals(heartRateBpm: 72)))
        #expect(!notAsked.contains("L10"))
        let stillThere = try Self.cleared(SessionFixture.observation(symptoms: [.tinnitus]))
        #expect(!stillThere.contains("L10"))
    }

    @Test("a rule with several entries clears only when every entry is proven false")
    func clearanceOfBands() throws {
        // L06: SBP < 80 (stop) and SBP ≤ 90 / MAP < 65 / a 30 % fall (pause). SBP 95 alone leaves MAP unknown.
        let systolicOnly = try Self.cleared(SessionFixture.observation(vitals: Vitals(systolicMmHg: 95)))
        #expect(!systolicOnly.contains("L06"))
        let full = try Self.cleared(SessionFixture.observation(vitals: Vitals(systolicMmHg: 120, diastolicMmHg: 75)))
        #expect(full.contains("L06"))
        // L05 needs HR 41–50 and a 20 % fall: HR 70 disproves the first clause, so the rule is clear.
        let heartRate = try Self.cleared(SessionFixture.observation(vitals: Vitals(heartRateBpm: 70)))
        #expect(heartRate.contains("L05") && heartRate.contains("L04"))
    }

    @Test("a rule that fired is never reported clear")
    func firedIsNotClear() throws {
        let decision = Decision(ruleId: "L07", action: .pause, priority: .high, reason: "r")
        #expect(!(try Self.cleared(SessionFixture.observation(vitals: Vitals(spo2Percent: 97)), fired: [decision])).contains("L07"))
    }
}
