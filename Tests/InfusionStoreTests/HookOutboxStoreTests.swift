import Foundation
import GRDB
import InfusionCore
import InfusionStore
import Testing

/// The hook outbox: a notice for each alert change and each stop or pause, written in the transaction of the change,
/// kept across a reopen, and removed only with the audit record of its delivery or give-up.
@Suite("Store: hook outbox")
struct HookOutboxStoreTests {
    let ruleSet = StoreFixtures.ruleSet
    let nurse = StoreFixtures.nurse
    let start = StoreFixtures.start

    func at(minutes: Double) -> Date { start.addingTimeInterval(minutes * 60) }

    @Test("a pause queues its onStop notice and its alert's onAlert notice, each with a stable delivery id; both survive a reopen")
    func noticesQueuedAndKept() async throws {
        let folder = try StoreFixtures.temporaryFolder()
        defer { try? FileManager.default.removeItem(atPath: folder) }
        let path = "\(folder)/infusion.sqlite"
        var store: ClinicalStore? = ClinicalStore(database: try ClinicalDatabase(path: path), notifiedHooks: [.onAlert, .onStop])
        let session = try await store!.startSession(StoreFixtures.startRequest(), ruleSet: ruleSet, actor: nurse, now: start)
        #expect(try await store!.pendingHookNotices().isEmpty)
        let (paused, _) = try await store!.recordObservation(
            sessionId: session.id, request: StoreFixtures.observation([.tinnitus]), ruleSet: ruleSet, actor: nurse, now: at(minutes: 1))
        #expect(paused.session.state == .paused)
        let stateRecord = try #require(try await store!.auditPage(after: 0, limit: 1000).records.map(\.record).last { $0.action == "session.state" })
        store = nil

        // Reopened from the file, as after SIGKILL and a restart.
        let reopened = ClinicalStore(database: try ClinicalDatabase(path: path), notifiedHooks: [.onAlert, .onStop])
        let pending = try await reopened.pendingHookNotices()
        #expect(pending.map(\.hook) == [.onAlert, .onStop])
        #expect(pending.map(\.deliveryId) == ["alert-event-1", "stop-\(stateRecord.seq)"])
        #expect(pending.allSatisfy { $0.attempts == 0 })
        // The alert notice is the alert event as the stream sends it, plus the delivery id.
        let alertEvent = try WireJSON.decoder().decode(AlertEvent.self, from: Data(pending[0].payload.utf8))
        let alertNotice = try WireJSON.decoder().decode(AlertHookEvent.self, from: Data(pending[0].payload.utf8))
        #expect(alertEvent.id == 1 && alertEvent.kind == .raised && alertEvent.alert.ruleId == "L10")
        #expect(alertNotice.deliveryId == "alert-event-1")
        let stop = try WireJSON.decoder().decode(SessionStopHookEvent.self, from: Data(pending[1].payload.utf8))
        #expect(stop.deliveryId == "stop-\(stateRecord.seq)" && stop.auditSeq == stateRecord.seq)
        #expect(stop.kind == "session.paused" && stop.from == "running" && stop.to == "paused")
        #expect(stop.sessionId == session.id.uuidString && stop.patientId == "MRN-1001" && stop.by == "nurse-042")
        #expect(try await reopened.nextHookNotice(hook: .onStop)?.deliveryId == stop.deliveryId)
    }

    @Test("a notice is part of its change's transaction: when the change rolls back, so does the notice")
    func noticeRollsBackWithChange() async throws {
        let store = ClinicalStore(database: try ClinicalDatabase(), notifiedHooks: [.onAlert, .onStop])
        let session = try await store.startSession(StoreFixtures.startRequest(), ruleSet: ruleSet, actor: nurse, now: start)
        // The observation's event row is written last in its transaction, after the alert, the pause and their
        // notices; refusing it rolls back everything before it.
        try await store.database.writer.write { db in
            try db.execute(sql: """
                CREATE TEMP TRIGGER refuse_observations BEFORE INSERT ON events WHEN NEW.kind = 'observation'
                BEGIN SELECT RAISE(ABORT, 'refused for the test'); END
                """)
        }
        await #expect(throws: (any Error).self) {
            _ = try await store.recordObservation(sessionId: session.id, request: StoreFixtures.observation([.tinnitus]),
                                                  ruleSet: self.ruleSet, actor: self.nurse, now: self.at(minutes: 1))
        }
        #expect(try await store.pendingHookNotices().isEmpty)
        #expect(try await store.alertEvents(after: 0, limit: 10).isEmpty)
        try await store.database.writer.write { db in try db.execute(sql: "DROP TRIGGER temp.refuse_observations") }
        _ = try await store.recordObservation(sessionId: session.id, request: StoreFixtures.observation([.tinnitus]),
                                              ruleSet: ruleSet, actor: nurse, now: at(minutes: 1))
        #expect(try await store.pendingHookNotices().map(\.hook) == [.onAlert, .onStop])
    }

    @Test("nothing is queued for a hook that is not configured, nor for an observation that changes nothing")
    func nothingQueuedWithoutHookOrChange() async throws {
        let alertsOnly = ClinicalStore(database: try ClinicalDatabase(), notifiedHooks: [.onAlert])
        let session = try await alertsOnly.startSession(StoreFixtures.startRequest(), ruleSet: ruleSet, actor: nurse, now: start)
        _ = try await alertsOnly.recordObservation(sessionId: session.id, request: StoreFixtures.observation(heartRate: 70),
                                                   ruleSet: ruleSet, actor: nurse, now: at(minutes: 1))
        #expect(try await alertsOnly.pendingHookNotices().isEmpty)
        _ = try await alertsOnly.recordObservation(sessionId: session.id, request: StoreFixtures.observation([.tinnitus], at: 120),
                                                   ruleSet: ruleSet, actor: nurse, now: at(minutes: 2))
        #expect(try await alertsOnly.pendingHookNotices().map(\.hook) == [.onAlert])

        let none = try StoreFixtures.store()
        let other = try await none.startSession(StoreFixtures.startRequest(), ruleSet: ruleSet, actor: nurse, now: start)
        _ = try await none.recordObservation(sessionId: other.id, request: StoreFixtures.observation([.tinnitus]),
                                             ruleSet: ruleSet, actor: nurse, now: at(minutes: 1))
        #expect(try await none.pendingHookNotices().isEmpty)
    }

    @Test("a retry counts the attempt and stays queued; a delivery and a give-up leave the outbox; each is audited")
    func deliveryRetryGiveUpAudited() async throws {
        let store = ClinicalStore(database: try ClinicalDatabase(), notifiedHooks: [.onAlert, .onStop])
        let session = try await store.startSession(StoreFixtures.startRequest(), ruleSet: ruleSet, actor: nurse, now: start)
        _ = try await store.recordObservation(sessionId: session.id, request: StoreFixtures.observation([.tinnitus]),
                                              ruleSet: ruleSet, actor: nurse, now: at(minutes: 1))
        let alert = try #require(try await store.nextHookNotice(hook: .onAlert))
        let stop = try #require(try await store.nextHookNotice(hook: .onStop))

        try await store.recordHookRetry(alert, attempt: 1, program: "/bin/pager", result: "exited 3", retryIn: .milliseconds(1500), now: at(minutes: 2))
        #expect(try await store.nextHookNotice(hook: .onAlert)?.attempts == 1)
        try await store.recordHookGiveUp(alert, attempt: 2, program: "/bin/pager", result: "exited 3", now: at(minutes: 3))
        try await store.recordHookDelivery(stop, attempt: 1, program: "/bin/gateway", now: at(minutes: 4))
        #expect(try await store.pendingHookNotices().isEmpty)

        let records = Array(try await store.auditPage(after: 0, limit: 1000).records.map(\.record).suffix(3))
        #expect(records.map(\.action) == ["hook.retry", "hook.giveUp", "hook.deliver"])
        #expect(records.map(\.outcome) == ["failure", "failure", "success"])
        #expect(records.map { $0.entity?.id } == ["onAlert", "onAlert", "onStop"])
        guard case .object(let retry) = records[0].detail, case .object(let giveUp) = records[1].detail,
              case .object(let delivered) = records[2].detail else {
            Issue.record("hook audit records without detail")
            return
        }
        #expect(retry["deliveryId"] == "alert-event-1" && retry["attempt"] == 1 && retry["retryInSeconds"] == 1.5)
        #expect(retry["result"] == "exited 3" && retry["program"] == "/bin/pager")
        #expect(giveUp["attempt"] == 2 && giveUp["deliveryId"] == "alert-event-1")
        // The given-up notice stays readable in the audit trail.
        guard case .object(let payload)? = giveUp["payload"] else {
            Issue.record("hook.giveUp without the notice")
            return
        }
        #expect(payload["deliveryId"] == "alert-event-1")
        #expect(delivered["deliveryId"] == .string(stop.deliveryId) && delivered["attempt"] == 1)
        #expect(try await store.verifyAudit().ok)
    }
}
