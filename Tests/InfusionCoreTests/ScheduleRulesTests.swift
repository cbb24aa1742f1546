import Foundation
import InfusionCore
import Testing

/// L20 (overdue observation), L21 (stale feed) and L22 (closing early) at and just beyond each threshold.
@Suite("Schedule rules L20, L21, L22")
struct ScheduleRulesTests {
    static let spec = ScheduleSpec.standard(for: .lidocaine)
    static let start = ObservationScheduleTests.start
    static let session = SessionFixture.session()

    static func at(minutes: Double, plusMs: Double = 0) -> Date { start.addingTimeInterval(minutes * 60 + plusMs / 1000) }

    /// The history of a session that started at `start` and has had one observation at `lastMinutes` (maintenance
    /// when past the loading hour).
    static func history(lastObservationMinutes: Double? = nil) -> ScheduleHistory {
        var history = ObservationScheduleTests.history()
        if let lastObservationMinutes { history.record(ObservationScheduleTests.observation(atMinutes: lastObservationMinutes)) }
        return history
    }

    struct Case: Sendable, CustomTestStringConvertible {
        var lastObservation: Double?
        var nowMinutes: Double
        var plusMs: Double
        var expected: (DecisionAction, AlertPriority)?
        var testDescription: String {
            "last obs \(lastObservation.map { "\($0) min" } ?? "none"), now \(nowMinutes) min + \(Int(plusMs)) ms → \(expected.map { "\($0.0.rawValue) \($0.1.rawValue)" } ?? "nothing")"
        }
    }

    /// Due at 15 min during loading (no observation since the start); due at 160 min in maintenance (last at 100).
    @Test("L20 at and just beyond 5, 15 and 30 minutes late", arguments: [
        Case(lastObservation: nil, nowMinutes: 20, plusMs: 0, expected: nil),
        Case(lastObservation: nil, nowMinutes: 20, plusMs: 1, expected: (.alert, .low)),
        Case(lastObservation: nil, nowMinutes: 30, plusMs: 0, expected: (.alert, .low)),
        Case(lastObservation: nil, nowMinutes: 30, plusMs: 1, expected: (.alert, .medium)),
        Case(lastObservation: nil, nowMinutes: 45, plusMs: 0, expected: (.alert, .medium)),
        Case(lastObservation: nil, nowMinutes: 45, plusMs: 1, expected: (.pause, .high)),
        Case(lastObservation: 100, nowMinutes: 165, plusMs: 0, expected: nil),
        Case(lastObservation: 100, nowMinutes: 165, plusMs: 1, expected: (.alert, .low)),
        Case(lastObservation: 100, nowMinutes: 175, plusMs: 1, expected: (.alert, .medium)),
        // Outside loading an overdue set never pauses.
        Case(lastObservation: 100, nowMinutes: 600, plusMs: 0, expected: (.alert, .medium)),
    ])
    func overdue(_ scenario: Case) throws {
        let decision = ScheduleRules.overdue(
            history: Self.history(lastObservationMinutes: scenario.lastObservation), spec: Self.spec,
            now: Self.at(minutes: scenario.nowMinutes, plusMs: scenario.plusMs))
        guard let expected = scenario.expected else {
            #expect(decision == nil)
            return
        }
        let fired = try #require(decision)
        #expect(fired.ruleId == "L20" && fired.action == expected.0 && fired.priority == expected.1)
        #expect(fired.inputs["dueAt"] != nil && fired.thresholds["lowAfter"] == "5m")
        #expect(!fired.reason.isEmpty)
    }

    @Test("L20 is deterministic: the same history and time give the same decision")
    func overdueDeterministic() {
        let history = Self.history()
        let now = Self.at(minutes: 31)
        #expect(ScheduleRules.overdue(history: history, spec: Self.spec, now: now) == ScheduleRules.overdue(history: history, spec: Self.spec, now: now))
    }

    @Test("L21: a feed silent for more than 5 min raises a technical medium alert naming it")
    func staleFeed() throws {
        var history = Self.history()
        history.record(ObservationScheduleTests.observation(atMinutes: 10, feed: "monitor-12"))
        history.record(ObservationScheduleTests.observation(atMinutes: 14, feed: "monitor-7"))
        #expect(ScheduleRules.staleFeeds(history: history, spec: Self.spec, now: Self.at(minutes: 15)) == nil)
        let one = try #require(ScheduleRules.staleFeeds(history: history, spec: Self.spec, now: Self.at(minutes: 15, plusMs: 1)))
        #expect(one.ruleId == "L21" && one.action == .alert && one.priority == .medium)
        #expect(one.inputs["silentFeeds"] == .object(["monitor-12": .string(WireJSON.formatTimestamp(Self.at(minutes: 10)))]))
        let both = try #require(ScheduleRules.staleFeeds(history: history, spec: Self.spec, now: Self.at(minutes: 19, plusMs: 1)))
        #expect(both.reason.contains("monitor-12, monitor-7"))
        var off = Self.spec
        off.staleFeedAfter = nil
        #expect(ScheduleRules.staleFeeds(history: history, spec: off, now: Self.at(minutes: 60)) == nil)
    }

    @Test("no schedule decisions once nothing is due or the session is closed")
    func nothingWhenDone() {
        var history = Self.history()
        history.apply(ActionRequest(action: .end, by: "dr"), at: Self.at(minutes: 60))
        history.record(ObservationScheduleTests.observation(atMinutes: 90, feed: "monitor-1"))
        #expect(ScheduleRules.timerDecisions(session: Self.session, history: history, spec: Self.spec, now: Self.at(minutes: 500)).isEmpty)
        var closed = Self.session
        closed.state = .closed
        #expect(ScheduleRules.timerDecisions(session: closed, history: Self.history(), spec: Self.spec, now: Self.at(minutes: 500)).isEmpty)
    }

    @Test("L22: closing before the post-infusion window ends is refused unless overridden; at its end it is allowed")
    func earlyClose() throws {
        var history = Self.history()
        history.apply(ActionRequest(action: .end, by: "dr"), at: Self.at(minutes: 120))
        let close = ActionRequest(action: .close, by: "dr")
        #expect(throws: DomainError.self) { try ScheduleRules.closeCheck(close, history: history, spec: Self.spec, now: Self.at(minutes: 150, plusMs: -1)) }
        do {
            _ = try ScheduleRules.closeCheck(close, history: history, spec: Self.spec, now: Self.at(minutes: 149))
            Issue.record("closing inside the window was not refused")
        } catch {
            #expect(error.code == "session.postInfusionWindow" && error.kind == .conflict)
        }
        #expect(try ScheduleRules.closeCheck(close, history: history, spec: Self.spec, now: Self.at(minutes: 150)).isEmpty)
        let overridden = ActionRequest(action: .close, by: "dr", override: Override(by: "dr.ada", reason: "transferred to ICU"))
        let decisions = try ScheduleRules.closeCheck(overridden, history: history, spec: Self.spec, now: Self.at(minutes: 130))
        #expect(decisions.map(\.ruleId) == ["L22"] && decisions.first?.priority == .low && decisions.first?.action == .alert)
        #expect(decisions.first?.reason.contains("transferred to ICU") == true)
        let blankReason = ActionRequest(action: .close, by: "dr", override: Override(by: "dr.ada", reason: "  "))
        #expect(throws: DomainError.self) { try ScheduleRules.closeCheck(blankReason, history: history, spec: Self.spec, now: Self.at(minutes: 130)) }
        // Other actions are not L22's business.
        #expect(try ScheduleRules.closeCheck(ActionRequest(action: .pause, by: "dr"), history: history, spec: Self.spec, now: Self.at(minutes: 130)).isEmpty)
    }
}
