import Foundation
import GRDB
import InfusionCore
@testable import InfusionStore
import Testing

/// How the store records a step: answers assembled from parts encoded once, and the writer's snapshots, which
/// change only with a committed transaction.
@Suite("Store: recording a step")
struct StepRecordingTests {
    static let now = StoreFixtures.start.addingTimeInterval(120)
    static let nurse = AuditActor(person: "nurse-042", role: "station")

    @Test("an answer assembled from its parts is byte for byte what the encoder makes of the whole", arguments: [
        "nurse-042", #"a "quoted" \ name"#, "Ünïcode/ward 3", "",
    ])
    func assembledAnswer(recordedBy: String) throws {
        let session = try SessionFactory.start(StoreFixtures.startRequest(), profile: try #require(StoreFixtures.ruleSet.profiles[.lidocaine]),
                                              ruleSetHash: StoreFixtures.ruleSet.hash, id: UUID(), now: StoreFixtures.start).session
        let observation = ObservationRequest(eventId: UUID(), observedAt: Self.now, recordedBy: recordedBy,
                                             vitals: Vitals(heartRateBpm: 38.5), symptoms: [.tinnitus])
        let body = try EncodedBody(observation)
        let event = ClinicalEvent(id: observation.eventId, sessionId: session.id, sequence: 7, kind: .observation, recordedAt: Self.now,
                                  occurredAt: Self.now, recordedBy: recordedBy, body: body.value)
        let decision = Decision(ruleId: "L04", action: .stop, priority: .high, reason: "Bradycardia: \"stop\".",
                                inputs: ["heartRateBpm": .number(38.5)], thresholds: ["atMost": .number(40)], guidance: "lipid ½")
        let alert = Alert(id: 3, sessionId: session.id, ruleId: "L04", priority: .high, state: .active, latched: true, reason: "r",
                          raisedAt: Self.now, updatedAt: Self.now)
        for (decisions, alerts) in [([Decision](), [Alert]()), ([decision], [alert])] {
            let whole = try Rows.json(EventResponse(event: event, decisions: decisions, session: session, alerts: alerts))
            let assembled = try ClinicalStore.responseJSON(event: event, bodyJSON: body.json, decisions: decisions,
                                                           sessionJSON: try Rows.json(session), alerts: alerts)
            #expect(assembled == whole)
        }
    }

    @Test("a step whose transaction rolls back leaves the writer's snapshot as the record stands")
    func rolledBackStep() async throws {
        let store = try StoreFixtures.store()
        let ruleSet = StoreFixtures.ruleSet
        let session = try await store.startSession(StoreFixtures.startRequest(), ruleSet: ruleSet, actor: Self.nurse, now: StoreFixtures.start)
        struct Abandon: Error {}
        // The stop is decided and recorded, then the request fails before its transaction commits.
        await #expect(throws: Abandon.self) {
            _ = try await store.committer.write { db -> Int in
                _ = try store.runStep(.observation(StoreFixtures.observation(heartRate: 38)), sessionId: session.id, ruleSet: ruleSet,
                                      actor: Self.nurse, now: Self.now, db: db)
                throw Abandon()
            }
        }
        let held = try await store.openSnapshots().first { $0.session.id == session.id }
        #expect(held?.session.state == .running && held?.lastSequence == 1 && held?.alerts.isEmpty == true)
        // The next observation is decided on the record as it stands: running, nothing stopped.
        let (answer, _) = try await store.recordObservation(sessionId: session.id, request: StoreFixtures.observation([.tinnitus]),
                                                            ruleSet: ruleSet, actor: Self.nurse, now: Self.now)
        #expect(answer.event.sequence == 2 && answer.session.state == .paused)
    }

    @Test("a stored row that no longer reads is refused as unreadable, never filled in with a made-up id or time")
    func unreadableRow() async throws {
        let store = try StoreFixtures.store()
        let ruleSet = StoreFixtures.ruleSet
        let session = try await store.startSession(StoreFixtures.startRequest(), ruleSet: ruleSet, actor: Self.nurse, now: StoreFixtures.start)
        _ = try await store.recordObservation(sessionId: session.id, request: StoreFixtures.observation(heartRate: 38), ruleSet: ruleSet,
                                              actor: Self.nurse, now: Self.now)
        #expect(try await store.alerts(state: nil, sessionId: nil).count == 1)
        // Damage as a broken tool or a bad restore might leave it (foreign keys off, outside a transaction).
        try await store.database.writer.writeWithoutTransaction { db in
            try db.execute(sql: "PRAGMA foreign_keys = OFF")
            try db.execute(sql: "UPDATE alerts SET session_id = 'not-a-uuid'")
            try db.execute(sql: "UPDATE alerts SET raised_at = 'yesterday'")
            try db.execute(sql: "PRAGMA foreign_keys = ON")
        }
        await #expect(throws: StoredRecordUnreadable.self) { try await store.alerts(state: nil, sessionId: nil) }
    }
}
