import Foundation
import InfusionCore
import InfusionServer
import InfusionStore
import Testing

/// Records of decisions already made (L19 review before start, L22 early close) stay at their priority however long
/// nobody acknowledges them, through the escalation timer with the shipped profile (CLINICAL §7).
@Suite("Override records through the escalation timer")
struct OverrideRecordEscalationTimerTests {
    static let start = AlertTimerTests.start

    @Test("a heart-failure start's L19 review record stays low through the escalation timer; acknowledging it still works")
    func reviewRecordStaysLow() async throws {
        let clock = AlertTimerTests.TestClock(Self.start)
        let state = try AlertTimerTests.state(clock: clock)
        var request = AlertTimerTests.startRequest()
        request.override = Override(by: "dr.ada", reason: "Echo reviewed, EF 40 %")
        request.flags = PatientFlags(conditions: [.heartFailure])
        let session = try await state.store.startSession(request, ruleSet: state.ruleSet, actor: .daemon, now: Self.start)
        let record = try #require(try await state.store.sessionDetail(id: session.id).openAlerts.first { $0.ruleId == "L19" })
        #expect(record.priority == .low && record.reason.contains("Reviewed before start") && record.reason.contains("dr.ada"))

        let timer = EscalationTimer(state: state, interval: .seconds(1), logger: AlertTimerTests.logger)
        var escalated: [String] = []
        for minutes: Double in [5, 15, 20, 30, 1440] {
            clock.set(Self.start.addingTimeInterval(minutes * 60))
            escalated += await timer.tick().map(\.ruleId)
        }
        // The start's L14 review (predicted level above the heart-failure band) needs an answer and escalates; L19 never.
        #expect(escalated.contains("L14") && !escalated.contains("L19"), "\(escalated)")
        let after = try #require(try await state.store.sessionDetail(id: session.id).openAlerts.first { $0.id == record.id })
        #expect(after.priority == .low && after.state == .active && after.escalationLevel == 0)
        #expect(try await state.store.escalate(alertId: record.id, profiles: state.ruleSet, now: clock.read()) == nil)
        let acknowledged = try await state.store.acknowledge(alertId: record.id, request: AcknowledgeRequest(by: "nurse-042"), actor: .daemon, now: clock.read())
        #expect(acknowledged.state == .acknowledged && acknowledged.acknowledgedBy == "nurse-042")
    }

    @Test("an L22 early-close record stays low an hour later")
    func earlyCloseStaysLow() async throws {
        let clock = AlertTimerTests.TestClock(Self.start)
        let state = try AlertTimerTests.state(clock: clock)
        let store = state.store
        let session = try await store.startSession(AlertTimerTests.startRequest(), ruleSet: state.ruleSet, actor: .daemon, now: Self.start)
        clock.set(Self.start.addingTimeInterval(10 * 60))
        _ = try await store.recordAction(sessionId: session.id, request: ActionRequest(action: .end, by: "clin-017", reason: "done"), ruleSet: state.ruleSet, actor: .daemon, now: clock.read())
        let (closed, _) = try await store.recordAction(sessionId: session.id, request: ActionRequest(action: .close, by: "clin-017", reason: "transfer", override: Override(by: "clin-017", reason: "transfer to ICU")), ruleSet: state.ruleSet, actor: .daemon, now: clock.read())
        let record = try #require(closed.alerts.first { $0.ruleId == "L22" })
        #expect(record.priority == .low)

        let timer = EscalationTimer(state: state, interval: .seconds(1), logger: AlertTimerTests.logger)
        clock.set(Self.start.addingTimeInterval(10 * 60 + 3600))
        #expect(await timer.tick().isEmpty)
        #expect(try await store.escalate(alertId: record.id, profiles: state.ruleSet, now: clock.read()) == nil)
    }
}
