import Foundation
import HTTPTypes
import InfusionCore
import InfusionServer
import InfusionStore
import Logging
import Synchronization
import Testing

/// The timer services driven tick by tick with a clock the test moves, and the routes for replay and reload.
@Suite("Timers, replay and reload through the server")
struct AlertTimerTests {
    /// A clock the test sets.
    final class TestClock: Sendable {
        private let now: Mutex<Date>
        init(_ start: Date) { now = Mutex(start) }
        func read() -> Date { now.withLock { $0 } }
        func set(_ date: Date) { now.withLock { $0 = date } }
    }

    static let start = WireJSON.truncatedToMilliseconds(Date(timeIntervalSince1970: 1_795_000_000))
    static let logger = Logger(label: "test")

    static func state(clock: TestClock) throws -> ServerState {
        ServerState(store: ClinicalStore(database: try ClinicalDatabase()), ruleSet: try ProfileLoader.load(directory: nil),
                    version: "test", clock: { clock.read() })
    }

    static func startRequest() -> StartSessionRequest { RouterHarness.startRequest() }

    @Test("the schedule timer raises L20 on its first tick after the due time plus grace, once per level")
    func scheduleTimer() async throws {
        let clock = TestClock(Self.start)
        let state = try Self.state(clock: clock)
        let session = try await state.store.startSession(Self.startRequest(), ruleSet: state.ruleSet, actor: .daemon, now: Self.start)
        let timer = ScheduleTimer(state: state, interval: .seconds(1), logger: Self.logger)
        // Due at 15 min; grace 5 min.
        clock.set(Self.start.addingTimeInterval(20 * 60))
        #expect(await timer.tick().isEmpty)
        clock.set(Self.start.addingTimeInterval(20 * 60 + 0.001))
        let fired = await timer.tick()
        #expect(fired.map(\.decisions.first?.ruleId) == ["L20"])
        #expect(fired.first?.event.sessionId == session.id)
        #expect(await timer.tick().isEmpty)
        clock.set(Self.start.addingTimeInterval(31 * 60))
        #expect(await timer.tick().first?.alerts.first?.priority == .medium)
        let detail = try await state.store.sessionDetail(id: session.id, ruleSet: state.ruleSet, now: clock.read())
        #expect(detail.schedule?.overdueSeconds == 960.0)
    }

    @Test("a fresh timer (as after a restart) catches a session that fell overdue while nothing was running")
    func afterRestart() async throws {
        let clock = TestClock(Self.start)
        let state = try Self.state(clock: clock)
        _ = try await state.store.startSession(Self.startRequest(), ruleSet: state.ruleSet, actor: .daemon, now: Self.start)
        clock.set(Self.start.addingTimeInterval(3 * 3600))
        let fresh = ScheduleTimer(state: state, interval: .seconds(1), logger: Self.logger)
        let fired = await fresh.tick()
        // The missed set fell due during loading and is hours late: L20 pauses the infusion.
        #expect(fired.first?.decisions.first?.action == .pause && fired.first?.decisions.first?.priority == .high)
        #expect(fired.first?.session.state == .paused)
    }

    @Test("the escalation timer raises a high alert's level at 60 s and 180 s, each once")
    func escalationTimer() async throws {
        let clock = TestClock(Self.start)
        let state = try Self.state(clock: clock)
        let session = try await state.store.startSession(Self.startRequest(), ruleSet: state.ruleSet, actor: .daemon, now: Self.start)
        let observation = ObservationRequest(observedAt: Self.start, recordedBy: "nurse-042", vitals: Vitals(heartRateBpm: 38))
        _ = try await state.store.recordObservation(sessionId: session.id, request: observation, ruleSet: state.ruleSet, actor: .daemon, now: Self.start)
        let timer = EscalationTimer(state: state, interval: .seconds(1), logger: Self.logger)
        clock.set(Self.start.addingTimeInterval(59.999))
        #expect(await timer.tick().isEmpty)
        clock.set(Self.start.addingTimeInterval(60))
        #expect(await timer.tick().map(\.escalationLevel) == [1])
        #expect(await timer.tick().isEmpty)
        clock.set(Self.start.addingTimeInterval(180))
        #expect(await timer.tick().map(\.escalationLevel) == [2])
    }

    @Test("replay through the route reproduces a session; reload of unchanged profiles says so and is audited")
    func replayAndReload() async throws {
        let harness = try RouterHarness()
        try await harness.run { client in
            let session = try await client.send(.post, "/v1/sessions", json: RouterHarness.startRequest()).decode(Session.self)
            let base = "/v1/sessions/\(session.id)"
            _ = try await client.send(.post, "\(base)/observations", json: ObservationRequest(observedAt: Date(), recordedBy: "nurse-042", symptoms: [.tinnitus]))
            _ = try await client.send(.post, "\(base)/actions", json: ActionRequest(action: .resume, by: "clin-017", reason: "settled"))
            _ = try await client.send(.post, "\(base)/actions", json: ActionRequest(action: .rateChange, by: "clin-017", infusion: InfusionOrder(rateMgPerKgPerHour: 1.2)))
            let report = try await client.send(.post, "\(base)/replay").decode(ReplayReport.self)
            #expect(report.identical, "\(report.differences)")
            #expect(report.eventsReplayed == 4)
            let missing = try await client.send(.post, "/v1/sessions/\(UUID())/replay")
            #expect(missing.status == 404 && missing.problem?.code == "session.notFound")

            let reload = try await client.send(.post, "/v1/admin/reload").decode(ReloadResult.self)
            #expect(reload.outcome == .unchanged && reload.ruleSetHash == harness.state.ruleSet.hash)
            let audit = try await harness.state.store.auditPage(after: 0, limit: 1000).records.map(\.record)
            #expect(audit.contains { $0.action == "config.reload" && $0.outcome == "success" })
        }
    }

    @Test("a reload of a profile folder with a broken file keeps the rules in force and audits why")
    func refusedReload() async throws {
        let folder = NSTemporaryDirectory() + "profiles-\(UUID().uuidString.prefix(8))"
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: folder) }
        let text = try #require(EmbeddedProfileText.lidocaine)
        try text.write(toFile: "\(folder)/lidocaine.yaml", atomically: true, encoding: .utf8)
        let ruleSet = try ProfileLoader.load(directory: folder)
        let state = ServerState(store: ClinicalStore(database: try ClinicalDatabase()), ruleSet: ruleSet, version: "test", profilesDirectory: folder)

        try (text + "\nbogusSetting: 1\n").write(toFile: "\(folder)/lidocaine.yaml", atomically: true, encoding: .utf8)
        let refused = await ProfileReloader.reload(state: state, directory: folder, trigger: "test", actor: .daemon, logger: Self.logger)
        #expect(refused.outcome == .refused && refused.ruleSetHash == ruleSet.hash)
        #expect(refused.problem?.contains("lidocaine.yaml:") == true && refused.problem?.contains("bogusSetting") == true)
        #expect(state.ruleSet.hash == ruleSet.hash)

        try (text + "\n# reviewed again\n").write(toFile: "\(folder)/lidocaine.yaml", atomically: true, encoding: .utf8)
        let reloaded = await ProfileReloader.reload(state: state, directory: folder, trigger: "test", actor: .daemon, logger: Self.logger)
        #expect(reloaded.outcome == .reloaded && reloaded.previousHash == ruleSet.hash && reloaded.ruleSetHash != ruleSet.hash)
        #expect(state.ruleSet.hash == reloaded.ruleSetHash)
        #expect(try await state.store.ruleSetSources(hash: reloaded.ruleSetHash)?.first?.name == "lidocaine.yaml")
        let outcomes = try await state.store.auditPage(after: 0, limit: 100).records.map(\.record).filter { $0.action == "config.reload" }.map(\.outcome)
        #expect(outcomes == ["refused", "success"])
    }
}
