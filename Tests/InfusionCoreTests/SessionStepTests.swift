import Foundation
import InfusionCore
import Testing

/// The one clinical step on its own, with the shipped lidocaine profile: what it decides for the daemon's checks,
/// acknowledgements and the X01 hand-over, with no store at all.
@Suite("SessionStep: the pure step")
struct SessionStepTests {
    static let now = SessionFixture.now

    /// A snapshot of a session that started with its start event only (a bolus-free 1 mg/kg/h infusion).
    static func snapshot(state: SessionState = .running, alerts: [Alert] = []) throws -> SessionSnapshot {
        var session = SessionFixture.session(state: state)
        session.lastObservationAt = nil
        let start = StartSessionRequest(
            patientId: session.patientId, drug: .lidocaine, weightKg: 70, heightCm: nil, sex: nil, dosingWeight: .actual, bolus: nil,
            infusion: InfusionOrder(rateMgPerKgPerHour: 1), prescriber: "dr.ada", recordedBy: "rn.bo", baseline: SessionFixture.baseline)
        var snapshot = SessionSnapshot(
            session: session, lastSequence: 0, ruleEntries: [], recentObservations: [], recentObservationsSince: .distantPast,
            schedule: ScheduleHistory(sessionId: session.id, drug: .lidocaine, startedAt: session.startedAt), alerts: [])
        snapshot.fold(StepEvent(id: UUID(), sessionId: session.id, sequence: 1, kind: .start, recordedAt: session.startedAt,
                                occurredAt: session.startedAt, recordedBy: "rn.bo", body: .start(start)),
                      stateAfter: state, decisions: [])
        snapshot.fold(alerts.map { AlertEvent(id: $0.id, kind: .raised, at: $0.raisedAt, alert: $0) })
        return snapshot
    }

    static func alert(id: Int64, ruleId: String, priority: AlertPriority, state: AlertState = .active, latched: Bool = false,
                      raisedAt: Date = now) -> Alert {
        Alert(id: id, sessionId: SessionFixture.session().id, ruleId: ruleId, priority: priority, state: state, latched: latched,
              reason: "r", raisedAt: raisedAt, updatedAt: raisedAt)
    }

    @Test("a schedule tick before anything is overdue finds nothing new and records nothing")
    func quietScheduleTick() throws {
        var fresh = try Self.snapshot()
        fresh.schedule.lastObservationAt = Self.now.addingTimeInterval(-60)
        let outcome = try SessionStep.run(.scheduleTick(eventId: UUID()), snapshot: fresh, profile: try ProfileFixture.lidocaine(),
                                          ruleSetHash: "h", actor: .daemon, now: Self.now)
        #expect(outcome == nil)
    }

    @Test("a schedule tick long after the last set raises L20 once; with its alert standing at that priority it records nothing")
    func overdueOnce() throws {
        let profile = try ProfileFixture.lidocaine()
        let snapshot = try Self.snapshot()
        let first = try #require(try SessionStep.run(.scheduleTick(eventId: UUID()), snapshot: snapshot, profile: profile,
                                                     ruleSetHash: "h", actor: .daemon, now: Self.now))
        let l20 = try #require(first.alertChanges.first)
        #expect(l20.kind == .raised && l20.alert.ruleId == "L20" && l20.alert.id < 0)
        #expect(first.event?.kind == .timer && first.leadAudit?.action == "schedule.check")
        var standing = snapshot
        var recorded = l20.alert
        recorded.id = 7
        standing.fold([AlertEvent(id: 1, kind: .raised, at: Self.now, alert: recorded)])
        let again = try SessionStep.run(.scheduleTick(eventId: UUID()), snapshot: standing, profile: profile, ruleSetHash: "h",
                                        actor: .daemon, now: Self.now)
        #expect(again == nil || again?.session.state != standing.session.state)
    }

    @Test("acknowledging a latched stop alert resolves it only when the pump was confirmed stopped after it was raised",
          arguments: [(nil, AlertState.acknowledged), (-30.0, .acknowledged), (30.0, .resolved)])
    func acknowledgeLatched(confirmedAfterSeconds: Double?, expected: AlertState) throws {
        let raised = Self.now.addingTimeInterval(-60)
        var snapshot = try Self.snapshot(state: .stopped, alerts: [Self.alert(id: 3, ruleId: "L04", priority: .high, latched: true, raisedAt: raised)])
        snapshot.session.pumpConfirmedStoppedAt = confirmedAfterSeconds.map { raised.addingTimeInterval($0) }
        let outcome = try #require(try SessionStep.run(.acknowledge(alertId: 3, AcknowledgeRequest(by: "rn.bo", note: "seen")),
                                                       snapshot: snapshot, profile: nil, ruleSetHash: "h", actor: .daemon, now: Self.now))
        #expect(outcome.alertChanges.last?.alert.state == expected)
        #expect(outcome.alertChanges.map(\.kind) == (expected == .resolved ? [.acknowledged, .resolved] : [.acknowledged]))
        #expect(outcome.event == nil && outcome.alertChanges.first?.alert.acknowledgedBy == "rn.bo")
    }

    @Test("acknowledging twice, or an alert the session does not have, is refused in the core's terms")
    func acknowledgeRefusals() throws {
        let snapshot = try Self.snapshot(alerts: [Self.alert(id: 3, ruleId: "L10", priority: .medium, state: .acknowledged)])
        #expect { try SessionStep.run(.acknowledge(alertId: 3, AcknowledgeRequest(by: "rn.bo")), snapshot: snapshot, profile: nil,
                                      ruleSetHash: "h", actor: .daemon, now: Self.now) }
            throws: { ($0 as? DomainError)?.code == "alert.alreadyAcknowledged" && ($0 as? DomainError)?.kind == .conflict }
        #expect { try SessionStep.run(.acknowledge(alertId: 4, AcknowledgeRequest(by: "rn.bo")), snapshot: snapshot, profile: nil,
                                      ruleSetHash: "h", actor: .daemon, now: Self.now) }
            throws: { ($0 as? DomainError)?.code == "alert.notFound" && ($0 as? DomainError)?.kind == .notFound }
    }

    @Test("a rule's stop hands X01 on; a clinician's stop and a stop X01 caused do not")
    func crossSessionHandOver() throws {
        let profile = try ProfileFixture.lidocaine()
        let snapshot = try Self.snapshot()
        let bradycardia = ObservationRequest(observedAt: Self.now, recordedBy: "rn.bo", vitals: Vitals(heartRateBpm: 35))
        let ruled = try #require(try SessionStep.run(.observation(bradycardia), snapshot: snapshot, profile: profile, ruleSetHash: "h",
                                                     actor: .daemon, now: Self.now))
        #expect(ruled.session.state == .stopped && ruled.otherSessionStop?.cause == .otherSessionStopped)
        let ordered = try #require(try SessionStep.run(.action(ActionRequest(action: .stop, by: "dr.ada", reason: "done"), eventId: UUID()),
                                                       snapshot: snapshot, profile: profile, ruleSetHash: "h", actor: .daemon, now: Self.now))
        #expect(ordered.session.state == .stopped && ordered.otherSessionStop == nil)
        let handedOn = try SessionStep.run(.otherSessionStopped(try #require(ruled.otherSessionStop), eventId: UUID()), snapshot: snapshot,
                                           profile: profile, ruleSetHash: "h", actor: .daemon, now: Self.now)
        #expect(handedOn?.otherSessionStop == nil)
    }

    @Test("a monitor-feed reading whose confirmation window reaches before the observations held asks for them")
    func windowNotHeld() throws {
        let profile = try ProfileFixture.lidocaine()
        var snapshot = try Self.snapshot()
        snapshot.recentObservationsSince = Self.now
        var late = ObservationRequest(observedAt: Self.now.addingTimeInterval(-30), recordedBy: "monitor", vitals: Vitals(heartRateBpm: 35))
        late.feedId = "bed-4"
        #expect(throws: SessionStep.HistoryNotHeld.self) {
            try SessionStep.run(.observation(late), snapshot: snapshot, profile: profile, ruleSetHash: "h", actor: .daemon, now: Self.now)
        }
    }
}
