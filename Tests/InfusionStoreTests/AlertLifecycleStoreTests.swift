import Foundation
import GRDB
import InfusionCore
import InfusionStore
import Testing

/// The store's side of alerts reaching people: the alert event log, schedule checks (L20), resolution when a
/// condition clears, escalation, stored rule sets and replay.
@Suite("Store: alert events, schedule checks, escalation, replay")
struct AlertLifecycleStoreTests {
    let ruleSet = StoreFixtures.ruleSet
    let nurse = StoreFixtures.nurse
    let start = StoreFixtures.start

    func at(minutes: Double, plusMs: Double = 0) -> Date { start.addingTimeInterval(minutes * 60 + plusMs / 1000) }

    /// A rule set with an L07 (SpO2 ≤ 91 → pause, high) rule added, for resolution tests.
    var ruleSetWithSpO2: RuleSet {
        var rules = ruleSet
        rules.profiles[.lidocaine]!.rules.append(
            Rule(id: "L07", anyOf: [RuleCondition(values: [.spo2Percent: Bounds(atMost: 91)])], action: .pause, priority: .high, reason: "Low SpO2."))
        return rules
    }

    @Test("every alert change writes one alert event with the alert as it stood, in order")
    func alertEventsFollowChanges() async throws {
        let store = try StoreFixtures.store()
        let session = try await store.startSession(StoreFixtures.startRequest(), ruleSet: ruleSet, actor: nurse, now: start)
        let (paused, _) = try await store.recordObservation(sessionId: session.id, request: StoreFixtures.observation([.tinnitus]), ruleSet: ruleSet, actor: nurse, now: at(minutes: 1))
        let alert = try #require(paused.alerts.first)
        _ = try await store.acknowledge(alertId: alert.id, request: AcknowledgeRequest(by: "nurse-042"), actor: nurse, now: at(minutes: 2))
        let events = try await store.alertEvents(after: 0, limit: 100)
        #expect(events.map(\.kind) == [.raised, .acknowledged])
        #expect(events.map(\.id) == [1, 2])
        #expect(events[0].alert.state == .active && events[1].alert.state == .acknowledged && events[1].alert.acknowledgedBy == "nurse-042")
        #expect(try await store.alertEvents(after: 1, limit: 100).map(\.id) == [2])
        #expect(try await store.latestAlertEventId() == 2)
    }

    @Test("alert events are append-only")
    func alertEventsAppendOnly() async throws {
        let store = try StoreFixtures.store()
        let session = try await store.startSession(StoreFixtures.startRequest(), ruleSet: ruleSet, actor: nurse, now: start)
        _ = try await store.recordObservation(sessionId: session.id, request: StoreFixtures.observation([.tinnitus]), ruleSet: ruleSet, actor: nurse, now: at(minutes: 1))
        await #expect(throws: DatabaseError.self) {
            try await store.database.writer.write { db in try db.execute(sql: "UPDATE alert_events SET kind = 'resolved'") }
        }
        await #expect(throws: DatabaseError.self) {
            try await store.database.writer.write { db in try db.execute(sql: "DELETE FROM alert_events") }
        }
        // The rebuilt events table kept its triggers.
        await #expect(throws: DatabaseError.self) {
            try await store.database.writer.write { db in try db.execute(sql: "UPDATE events SET recorded_by = 'x'") }
        }
    }

    @Test("L20: a timer event at each new level, none while nothing changes, a pause in loading, resolved by an observation")
    func scheduleChecks() async throws {
        let store = try StoreFixtures.store()
        let session = try await store.startSession(StoreFixtures.startRequest(), ruleSet: ruleSet, actor: nurse, now: start)
        // Due at 15 min; nothing until more than 5 min late.
        #expect(try await store.recordScheduleCheck(sessionId: session.id, ruleSet: ruleSet, now: at(minutes: 20)) == nil)
        let low = try #require(try await store.recordScheduleCheck(sessionId: session.id, ruleSet: ruleSet, now: at(minutes: 20, plusMs: 1)))
        #expect(low.event.kind == .timer && low.decisions.map(\.ruleId) == ["L20"] && low.alerts.first?.priority == .low)
        #expect(try await store.recordScheduleCheck(sessionId: session.id, ruleSet: ruleSet, now: at(minutes: 25)) == nil)
        let medium = try #require(try await store.recordScheduleCheck(sessionId: session.id, ruleSet: ruleSet, now: at(minutes: 30, plusMs: 1)))
        #expect(medium.alerts.first?.id == low.alerts.first?.id && medium.alerts.first?.priority == .medium)
        let pause = try #require(try await store.recordScheduleCheck(sessionId: session.id, ruleSet: ruleSet, now: at(minutes: 45, plusMs: 1)))
        #expect(pause.session.state == .paused && pause.decisions.first?.action == .pause)

        let observation = ObservationRequest(observedAt: at(minutes: 46), recordedBy: "nurse-042", vitals: StoreFixtures.baseline)
        let (observed, _) = try await store.recordObservation(sessionId: session.id, request: observation, ruleSet: ruleSet, actor: nurse, now: at(minutes: 46))
        #expect(observed.alerts.contains { $0.ruleId == "L20" && $0.state == .resolved })
        #expect(try await store.alerts(state: nil, sessionId: session.id).isEmpty)
        let status = try await store.scheduleStatus(sessionId: session.id, ruleSet: ruleSet, now: at(minutes: 46))
        #expect(status.nextDueAt == at(minutes: 61) && status.overdueSeconds == nil)
    }

    @Test("a condition that clears resolves its alert; a latched stop alert stays")
    func resolutionOnClear() async throws {
        let store = try StoreFixtures.store()
        let rules = ruleSetWithSpO2
        let session = try await store.startSession(StoreFixtures.startRequest(), ruleSet: rules, actor: nurse, now: start)
        let low = ObservationRequest(observedAt: at(minutes: 1), recordedBy: "nurse-042", vitals: Vitals(spo2Percent: 90))
        let (first, _) = try await store.recordObservation(sessionId: session.id, request: low, ruleSet: rules, actor: nurse, now: at(minutes: 1))
        let alert = try #require(first.alerts.first { $0.ruleId == "L07" })
        // A set without SpO2 does not resolve it.
        let noSpO2 = ObservationRequest(observedAt: at(minutes: 2), recordedBy: "nurse-042", vitals: Vitals(heartRateBpm: 72))
        let (second, _) = try await store.recordObservation(sessionId: session.id, request: noSpO2, ruleSet: rules, actor: nurse, now: at(minutes: 2))
        #expect(second.alerts.isEmpty)
        let normal = ObservationRequest(observedAt: at(minutes: 3), recordedBy: "nurse-042", vitals: Vitals(spo2Percent: 96))
        let (third, _) = try await store.recordObservation(sessionId: session.id, request: normal, ruleSet: rules, actor: nurse, now: at(minutes: 3))
        #expect(third.alerts.map(\.id) == [alert.id] && third.alerts.first?.state == .resolved)

        let (stopped, _) = try await store.recordObservation(sessionId: session.id, request: StoreFixtures.observation([.tinnitus, .perioralNumbness], at: 240), ruleSet: rules, actor: nurse, now: at(minutes: 4))
        let stopAlert = try #require(stopped.alerts.first { $0.ruleId == "L11" })
        let clear = ObservationRequest(observedAt: at(minutes: 5), recordedBy: "nurse-042", symptoms: [])
        let (after, _) = try await store.recordObservation(sessionId: session.id, request: clear, ruleSet: rules, actor: nurse, now: at(minutes: 5))
        #expect(!after.alerts.contains { $0.id == stopAlert.id })
        #expect(try await store.alerts(state: .active, sessionId: session.id).contains { $0.id == stopAlert.id })
    }

    @Test("escalation: a high alert unacknowledged for 60 s reaches level 1, and only once")
    func escalation() async throws {
        let store = try StoreFixtures.store()
        let session = try await store.startSession(StoreFixtures.startRequest(), ruleSet: ruleSet, actor: nurse, now: start)
        let (stopped, _) = try await store.recordObservation(sessionId: session.id, request: StoreFixtures.observation([.tinnitus, .perioralNumbness]), ruleSet: ruleSet, actor: nurse, now: at(minutes: 1))
        let alert = try #require(stopped.alerts.first { $0.ruleId == "L11" })
        #expect(try await store.escalate(alertId: alert.id, profiles: ruleSet, now: at(minutes: 1, plusMs: 59_999)) == nil)
        let level1 = try #require(try await store.escalate(alertId: alert.id, profiles: ruleSet, now: at(minutes: 2)))
        #expect(level1.escalationLevel == 1 && level1.priority == .high)
        #expect(try await store.escalate(alertId: alert.id, profiles: ruleSet, now: at(minutes: 2, plusMs: 1)) == nil)
        let events = try await store.alertEvents(after: 0, limit: 10)
        #expect(events.last?.kind == .escalated && events.last?.alert.escalationLevel == 1)
        let listed = try await store.unresolvedAlertsWithHistory()
        #expect(listed.first { $0.alert.id == alert.id }?.history.count == 2)
    }

    @Test("rule sets are stored by hash once, with every load")
    func ruleSetsStored() async throws {
        let store = try StoreFixtures.store()
        var rules = ruleSet
        rules.sources = [ProfileSource(name: "lidocaine.yaml", contents: "drug: lidocaine\n")]
        try await store.recordRuleSetLoad(rules, reason: .start, now: start)
        try await store.recordRuleSetLoad(rules, reason: .start, now: at(minutes: 1))
        #expect(try await store.ruleSetSources(hash: rules.hash) == rules.sources)
        #expect(try await store.ruleSetSources(hash: "unknown") == nil)
        #expect(try await store.ruleSetLoads().map(\.hash) == [rules.hash, rules.hash])
    }

    @Test("replay reproduces a recorded session and reports a decision a changed rule would alter")
    func replay() async throws {
        let store = try StoreFixtures.store()
        let session = try await store.startSession(StoreFixtures.startRequest(), ruleSet: ruleSet, actor: nurse, now: start)
        _ = try await store.recordObservation(sessionId: session.id, request: StoreFixtures.observation([.tinnitus]), ruleSet: ruleSet, actor: nurse, now: at(minutes: 1))
        _ = try await store.recordAction(sessionId: session.id, request: ActionRequest(action: .resume, by: "clin-017", reason: "settled"), ruleSet: ruleSet, actor: nurse, now: at(minutes: 2))
        _ = try await store.recordObservation(sessionId: session.id, request: StoreFixtures.observation(heartRate: 72, at: 180), ruleSet: ruleSet, actor: nurse, now: at(minutes: 3))
        _ = try await store.recordScheduleCheck(sessionId: session.id, ruleSet: ruleSet, now: at(minutes: 30))
        _ = try await store.recordObservation(sessionId: session.id, request: StoreFixtures.observation(heartRate: 38, at: 1860), ruleSet: ruleSet, actor: nurse, now: at(minutes: 31))

        let material = try await store.replayMaterial(sessionId: session.id)
        #expect(material.events.map(\.event.kind) == [.start, .observation, .action, .observation, .timer, .observation])
        let same = SessionReplay.replay(session: material.session, events: material.events) { _ in ruleSet }
        #expect(same.identical, "\(same.differences)")
        #expect(same.eventsReplayed == 6 && same.decisionsCompared == 3)

        var changed = ruleSet
        changed.hash = String(repeating: "cd", count: 32)
        changed.profiles[.lidocaine]!.rules[0].action = .stop
        let differs = SessionReplay.replay(session: material.session, events: material.events) { _ in changed }
        #expect(differs.differences.map(\.sequence) == [2])
        #expect(differs.differences.first?.replayed.first?.action == .stop && differs.differences.first?.replayedState == .stopped)

        let missing = SessionReplay.replay(session: material.session, events: material.events) { _ in nil }
        #expect(missing.differences.count == 6)
    }
}
