import Foundation
import InfusionCore
import InfusionStore
import Testing

/// What any storage engine must do, asked only through ``InfusionRecordStore``: a second engine adds itself to
/// `engines` and must pass the same tests. (Only `import InfusionStore`, not `@testable`: nothing here may reach
/// past the protocol.)
@Suite("Store contract: every engine through the protocol")
struct StoreContractTests {
    struct Engine: CustomTestStringConvertible, Sendable {
        var name: String
        var make: @Sendable () throws -> any InfusionRecordStore
        var testDescription: String { name }
    }

    static let engines: [Engine] = [
        Engine(name: "SQLite in memory") { ClinicalStore(database: try ClinicalDatabase()) },
        Engine(name: "SQLite file") {
            ClinicalStore(database: try ClinicalDatabase(path: try StoreFixtures.temporaryFolder() + "/infusion.sqlite"))
        },
    ]

    static let ruleSet = StoreFixtures.ruleSet
    static let nurse = StoreFixtures.nurse
    static func at(_ seconds: TimeInterval) -> Date { StoreFixtures.start.addingTimeInterval(seconds) }

    @Test("a started session is an open snapshot and a listed session", arguments: engines)
    func startIsOpen(engine: Engine) async throws {
        let store = try engine.make()
        let session = try await store.startSession(StoreFixtures.startRequest(), ruleSet: Self.ruleSet, actor: Self.nurse, now: Self.at(0))
        #expect(try await store.openSnapshots().map(\.session.id) == [session.id])
        #expect(try await store.sessions(state: "open").map(\.id) == [session.id])
        #expect(try await store.sessions(state: "closed").isEmpty)
        #expect(try await store.events(sessionId: session.id).events.map(\.kind) == [.start])
    }

    @Test("a retry with the same event id and body is answered again and stores nothing; a different body conflicts",
          arguments: engines)
    func idempotentRetry(engine: Engine) async throws {
        let store = try engine.make()
        let session = try await store.startSession(StoreFixtures.startRequest(), ruleSet: Self.ruleSet, actor: Self.nurse, now: Self.at(0))
        let observation = StoreFixtures.observation(heartRate: 70)
        let first = try await store.recordObservationAnswer(sessionId: session.id, request: observation, ruleSet: Self.ruleSet,
                                                           actor: Self.nurse, now: Self.at(61))
        let again = try await store.recordObservationAnswer(sessionId: session.id, request: observation, ruleSet: Self.ruleSet,
                                                           actor: Self.nurse, now: Self.at(62))
        #expect(!first.replayed && again.replayed && again.json == first.json)
        var changed = observation
        changed.vitals = Vitals(heartRateBpm: 71)
        await #expect {
            _ = try await store.recordObservationAnswer(sessionId: session.id, request: changed, ruleSet: Self.ruleSet, actor: Self.nurse,
                                                        now: Self.at(63))
        } throws: { ($0 as? DomainError)?.code == "event.conflict" }
        #expect(try await store.events(sessionId: session.id).events.count == 2)
    }

    @Test("a refused step stores nothing and leaves the snapshot as it was", arguments: engines)
    func refusalStoresNothing(engine: Engine) async throws {
        let store = try engine.make()
        let session = try await store.startSession(StoreFixtures.startRequest(), ruleSet: Self.ruleSet, actor: Self.nurse, now: Self.at(0))
        let before = try #require(try await store.openSnapshots().first)
        await #expect {
            _ = try await store.recordObservation(sessionId: session.id, request: StoreFixtures.observation(at: -60), ruleSet: Self.ruleSet,
                                                  actor: Self.nurse, now: Self.at(1))
        } throws: { $0 is RequestValidation.ObservationBeforeStart }
        let after = try #require(try await store.openSnapshots().first)
        #expect(after.lastSequence == before.lastSequence && after.session == before.session)
        #expect(try await store.events(sessionId: session.id).events.count == 1)
    }

    @Test("a rule's pause raises an alert in the same commit; acknowledging it through its id is recorded once, then refused when resolved",
          arguments: engines)
    func alertsThroughTheirIds(engine: Engine) async throws {
        let store = try engine.make()
        let session = try await store.startSession(StoreFixtures.startRequest(), ruleSet: Self.ruleSet, actor: Self.nurse, now: Self.at(0))
        let paused = try await store.recordObservation(sessionId: session.id, request: StoreFixtures.observation([.tinnitus]),
                                                       ruleSet: Self.ruleSet, actor: Self.nurse, now: Self.at(61))
        #expect(paused.response.session.state == .paused)
        let alert = try #require(paused.response.alerts.first)
        #expect(try await store.alerts(state: nil, sessionId: session.id).map(\.id) == [alert.id])
        #expect(try await store.alertEvents(after: 0, limit: 10).map(\.kind) == [.raised])
        let acknowledged = try await store.acknowledge(alertId: alert.id, request: AcknowledgeRequest(by: "nurse-042"), actor: Self.nurse,
                                                       now: Self.at(70))
        #expect(acknowledged.state == .acknowledged && acknowledged.acknowledgedBy == "nurse-042")
        await #expect {
            _ = try await store.acknowledge(alertId: alert.id, request: AcknowledgeRequest(by: "nurse-042"), actor: Self.nurse, now: Self.at(71))
        } throws: { ($0 as? DomainError)?.code == "alert.alreadyAcknowledged" }
        await #expect {
            _ = try await store.acknowledge(alertId: 999, request: AcknowledgeRequest(by: "nurse-042"), actor: Self.nurse, now: Self.at(71))
        } throws: { ($0 as? DomainError)?.kind == .notFound }
        #expect(try await store.latestAlertEventId() == (try await store.alertEvents(after: 0, limit: 10).last?.id))
    }

    @Test("a daemon check that finds nothing new records nothing", arguments: engines)
    func quietChecks(engine: Engine) async throws {
        let store = try engine.make()
        let session = try await store.startSession(StoreFixtures.startRequest(), ruleSet: Self.ruleSet, actor: Self.nurse, now: Self.at(0))
        #expect(try await store.recordClockCheck(sessionId: session.id, ruleSet: Self.ruleSet, now: Self.at(60)) == nil)
        await #expect {
            _ = try await store.escalate(alertId: 999, profiles: Self.ruleSet, now: Self.at(60))
        } throws: { ($0 as? DomainError)?.code == "alert.notFound" }
        #expect(try await store.events(sessionId: session.id).events.count == 1)
    }
}

extension StoreContractTests {
    @Test("a session's series starts at zero, ends at what the session detail says, and never falls", arguments: engines)
    func seriesAgreesWithDetail(engine: Engine) async throws {
        let store = try engine.make()
        let session = try await store.startSession(StoreFixtures.startRequest(), ruleSet: Self.ruleSet, actor: Self.nurse, now: Self.at(0))
        let until = Self.at(3_600)
        let series = try await store.sessionSeries(id: session.id, ruleSet: Self.ruleSet, until: until)
        let detail = try await store.sessionDetail(id: session.id, ruleSet: Self.ruleSet, now: until)
        #expect(series.points.first?.at == session.startedAt && series.points.last?.at == until)
        #expect(series.points.first?.deliveredMg == 0)
        #expect(abs((series.points.last?.deliveredMg ?? 0) - (detail.delivered?.mg ?? -1)) < 1e-9)
        #expect(series.points.last?.predictedUgPerMl == detail.prediction?.concentrationUgPerMl)
        #expect(zip(series.points, series.points.dropFirst()).allSatisfy { $0.deliveredMg <= $1.deliveredMg })
        #expect(series.points.count <= 240)
    }
}
