import Foundation
import GRDB
import InfusionCore
import InfusionStore
import Testing

@Suite("Clinical store: one transaction per request")
struct ClinicalStoreTests {
    let ruleSet = StoreFixtures.ruleSet
    let now = StoreFixtures.start
    let nurse = StoreFixtures.nurse

    private func count(_ store: ClinicalStore, _ table: String) async throws -> Int {
        try await store.database.writer.read { db in try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM \(table)")! }
    }

    @Test("a start records the session, its start event and audit records")
    func startSession() async throws {
        let store = try StoreFixtures.store()
        let session = try await store.startSession(StoreFixtures.startRequest(), ruleSet: ruleSet, actor: nurse, now: now)
        #expect(session.state == .running)
        #expect(session.doses.infusionMgPerHour == 70)
        #expect(session.doses.bolusMg == 105)
        let events = try await store.events(sessionId: session.id)
        #expect(events.events.map(\.kind) == [.start])
        #expect(try await store.verifyAudit().recordsChecked == 1)
    }

    @Test("a soft-limit start with an override records L15 review decisions and the override")
    func softLimitOverride() async throws {
        let store = try StoreFixtures.store()
        let override = Override(by: "clin-017", reason: "Published 1.5 mg/kg/h regimen, reviewed")
        var request = StoreFixtures.startRequest(rate: 0.4, override: override)
        request.weightKg = 60
        let session = try await store.startSession(request, ruleSet: ruleSet, actor: nurse, now: now)
        #expect(session.override == override)
        let events = try await store.events(sessionId: session.id)
        #expect(events.decisions.map(\.decision.ruleId) == ["L15"])
        #expect(events.decisions.first?.decision.inputs["overrideBy"] == "clin-017")
    }

    @Test("a hard-limit start stores nothing at all")
    func hardLimitStoresNothing() async throws {
        let store = try StoreFixtures.store()
        await #expect(throws: DomainError.self) {
            _ = try await store.startSession(StoreFixtures.startRequest(rate: 1.5), ruleSet: ruleSet, actor: nurse, now: now)
        }
        #expect(try await count(store, "sessions") == 0)
        #expect(try await count(store, "audit_records") == 0)
    }

    @Test("an observation stores its event, decision, alert and audit records together")
    func observationTransaction() async throws {
        let store = try StoreFixtures.store()
        let session = try await store.startSession(StoreFixtures.startRequest(), ruleSet: ruleSet, actor: nurse, now: now)
        let (response, replayed) = try await store.recordObservation(
            sessionId: session.id, request: StoreFixtures.observation([.tinnitus]), ruleSet: ruleSet, actor: nurse, now: now)
        #expect(!replayed)
        #expect(response.decisions.map(\.ruleId) == ["L10"])
        #expect(response.session.state == .paused)
        #expect(response.alerts.map(\.priority) == [.medium])
        let stored = try await store.events(sessionId: session.id)
        #expect(stored.events.count == 2)
        #expect(stored.decisions.first?.ruleSetHash == ruleSet.hash)
        let actions = try await store.auditPage(after: 0, limit: 100).records.map(\.record.action)
        #expect(actions == ["session.start", "observation.accept", "decision.record", "alert.raise", "session.state"])
    }

    @Test("a retry with the same eventId and body returns the original answer and stores nothing")
    func idempotentRetry() async throws {
        let store = try StoreFixtures.store()
        let session = try await store.startSession(StoreFixtures.startRequest(), ruleSet: ruleSet, actor: nurse, now: now)
        let observation = StoreFixtures.observation([.tinnitus])
        let first = try await store.recordObservation(sessionId: session.id, request: observation, ruleSet: ruleSet, actor: nurse, now: now)
        let audits = try await count(store, "audit_records")
        let second = try await store.recordObservation(sessionId: session.id, request: observation, ruleSet: ruleSet, actor: nurse, now: now.addingTimeInterval(5))
        #expect(second.replayed)
        #expect(second.response == first.response)
        #expect(try await count(store, "events") == 2)
        #expect(try await count(store, "audit_records") == audits)
    }

    @Test("the same eventId with a different body is a 409 conflict")
    func conflictingRetry() async throws {
        let store = try StoreFixtures.store()
        let session = try await store.startSession(StoreFixtures.startRequest(), ruleSet: ruleSet, actor: nurse, now: now)
        var observation = StoreFixtures.observation([.tinnitus])
        _ = try await store.recordObservation(sessionId: session.id, request: observation, ruleSet: ruleSet, actor: nurse, now: now)
        observation.symptoms = [.perioralNumbness]
        await #expect { try await store.recordObservation(sessionId: session.id, request: observation, ruleSet: ruleSet, actor: nurse, now: now) }
            throws: { ($0 as? DomainError)?.code == "event.conflict" && ($0 as? DomainError)?.kind == .conflict }
    }

    @Test("an unknown session is a 404 and stores nothing")
    func unknownSession() async throws {
        let store = try StoreFixtures.store()
        await #expect { try await store.recordObservation(sessionId: UUID(), request: StoreFixtures.observation([.tinnitus]), ruleSet: ruleSet, actor: nurse, now: now) }
            throws: { ($0 as? DomainError)?.code == "session.notFound" }
        #expect(try await count(store, "audit_records") == 0)
    }

    @Test("the same condition again while its alert stands raises no duplicate")
    func noDuplicateAlerts() async throws {
        let store = try StoreFixtures.store()
        let session = try await store.startSession(StoreFixtures.startRequest(), ruleSet: ruleSet, actor: nurse, now: now)
        for offset in [60.0, 120, 180] {
            _ = try await store.recordObservation(sessionId: session.id, request: StoreFixtures.observation([.tinnitus], at: offset), ruleSet: ruleSet, actor: nurse, now: now)
        }
        #expect(try await store.alerts(state: nil, sessionId: session.id).count == 1)
        #expect(try await store.events(sessionId: session.id).decisions.count == 3)
    }

    @Test("a stop latches a high alert: acknowledged first it stays until pumpStopped, then resolves")
    func latchedStopAlert() async throws {
        let store = try StoreFixtures.store()
        let session = try await store.startSession(StoreFixtures.startRequest(), ruleSet: ruleSet, actor: nurse, now: now)
        let (response, _) = try await store.recordObservation(
            sessionId: session.id, request: StoreFixtures.observation([.tinnitus, .perioralNumbness]), ruleSet: ruleSet, actor: nurse, now: now)
        #expect(response.session.state == .stopped)
        let stopAlert = try #require(response.alerts.first { $0.ruleId == "L11" })
        #expect(stopAlert.latched && stopAlert.priority == .high)
        #expect(stopAlert.guidance?.contains("Lipid emulsion") == true)

        let acknowledged = try await store.acknowledge(alertId: stopAlert.id, request: AcknowledgeRequest(by: "nurse-042", note: "at bedside"), actor: nurse, now: now)
        #expect(acknowledged.state == .acknowledged)
        await #expect { try await store.recordAction(sessionId: session.id, request: ActionRequest(action: .resume, by: "clin-017", reason: "better"), ruleSet: ruleSet, actor: nurse, now: now) }
            throws: { ($0 as? DomainError)?.code == "session.stopped" }

        let (confirmed, _) = try await store.recordAction(sessionId: session.id, request: ActionRequest(action: .pumpStopped, by: "nurse-042"), ruleSet: ruleSet, actor: nurse, now: now.addingTimeInterval(30))
        #expect(confirmed.alerts.contains { $0.id == stopAlert.id && $0.state == .resolved })
        #expect(confirmed.session.pumpConfirmedStoppedAt != nil)
    }

    @Test("a stop alert acknowledged after pumpStopped resolves at once")
    func acknowledgeAfterPumpStopped() async throws {
        let store = try StoreFixtures.store()
        let session = try await store.startSession(StoreFixtures.startRequest(), ruleSet: ruleSet, actor: nurse, now: now)
        let (response, _) = try await store.recordAction(sessionId: session.id, request: ActionRequest(action: .stop, by: "clin-017", reason: "tinnitus"), ruleSet: ruleSet, actor: nurse, now: now)
        let alert = try #require(response.alerts.first)
        #expect(alert.ruleId == SessionMachine.clinicianRuleId && alert.latched)
        await #expect { try await store.recordAction(sessionId: session.id, request: ActionRequest(action: .close, by: "clin-017"), ruleSet: ruleSet, actor: nurse, now: now) }
            throws: { ($0 as? DomainError)?.code == "session.pumpNotConfirmed" }
        _ = try await store.recordAction(sessionId: session.id, request: ActionRequest(action: .pumpStopped, by: "nurse-042"), ruleSet: ruleSet, actor: nurse, now: now.addingTimeInterval(10))
        await #expect { try await store.recordAction(sessionId: session.id, request: ActionRequest(action: .close, by: "clin-017"), ruleSet: ruleSet, actor: nurse, now: now) }
            throws: { ($0 as? DomainError)?.code == "session.alertsUnacknowledged" }
        let acknowledged = try await store.acknowledge(alertId: alert.id, request: AcknowledgeRequest(by: "nurse-042"), actor: nurse, now: now.addingTimeInterval(20))
        #expect(acknowledged.state == .resolved)
        await #expect { try await store.acknowledge(alertId: alert.id, request: AcknowledgeRequest(by: "nurse-042"), actor: nurse, now: now) }
            throws: { ($0 as? DomainError)?.code == "alert.resolved" }
        // L22: closing inside the post-infusion observation window needs an override, recorded as a low alert.
        let early = ActionRequest(action: .close, by: "clin-017", override: Override(by: "clin-017", reason: "transferred to ICU"))
        let (closed, _) = try await store.recordAction(sessionId: session.id, request: early, ruleSet: ruleSet, actor: nurse, now: now.addingTimeInterval(30))
        #expect(closed.session.state == .closed)
        #expect(closed.decisions.contains { $0.ruleId == ScheduleRules.earlyCloseRuleId && $0.priority == .low })
        await #expect { try await store.recordObservation(sessionId: session.id, request: StoreFixtures.observation([.tinnitus]), ruleSet: ruleSet, actor: nurse, now: now) }
            throws: { ($0 as? DomainError)?.code == "session.closed" }
    }

    @Test("a more severe decision re-activates an acknowledged alert for the same rule")
    func acknowledgementNeverHidesWorse() async throws {
        let store = try StoreFixtures.store()
        var rules = ruleSet
        rules.profiles[.lidocaine]!.rules.append(
            Rule(id: "L10", anyOf: [RuleCondition(symptomsAny: [.metallicTaste])], action: .stop, priority: .high, reason: "worse"))
        let session = try await store.startSession(StoreFixtures.startRequest(), ruleSet: rules, actor: nurse, now: now)
        let (first, _) = try await store.recordObservation(sessionId: session.id, request: StoreFixtures.observation([.tinnitus]), ruleSet: rules, actor: nurse, now: now)
        let alert = try #require(first.alerts.first)
        _ = try await store.acknowledge(alertId: alert.id, request: AcknowledgeRequest(by: "nurse-042"), actor: nurse, now: now)
        let (second, _) = try await store.recordObservation(sessionId: session.id, request: StoreFixtures.observation([.metallicTaste], at: 120), ruleSet: rules, actor: nurse, now: now)
        let updated = try #require(second.alerts.first)
        #expect(updated.id == alert.id)
        #expect(updated.priority == .high)
        #expect(updated.state == .active)
        #expect(updated.latched)
    }

    @Test("refusals are audited with the peer and the problem code")
    func refusalAudited() async throws {
        let store = try StoreFixtures.store()
        try await store.recordRefusal(Problem(status: 413, code: "request.tooLarge", title: "t", detail: "d"), method: "POST", path: "/v1/sessions", actor: nurse, now: now)
        let record = try #require(try await store.auditPage(after: 0, limit: 10).records.first?.record)
        #expect(record.action == "request.refuse")
        #expect(record.outcome == "refused")
        #expect(record.actor.uid == 1000)
        #expect(record.detail == ["status": 413, "code": "request.tooLarge", "detail": "d", "field": .null])
    }
}
