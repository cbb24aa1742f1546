import Foundation
import GRDB
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import InfusionCore
@testable import InfusionServer
import InfusionStore
import Logging
import ServiceLifecycle
import Synchronization
import Testing

/// The background integrity check as the daemon acts on it, with the check itself replaced: a pass changes
/// nothing; a failure makes health `degraded` with the `database.integrity` system alert, records
/// `database.integrityFailed`, refuses every state-changing request with `503 database.damaged` and the timers'
/// writes, keeps reads working, tells open streams and the `onAlert` hook, and sets the metrics. Then the interval,
/// and a stop that does not wait for a check.
@Suite("Integrity monitor: background check, degraded health, writes refused")
struct IntegrityMonitorTests {
    /// A clock the test sets.
    final class ManualClock: Sendable {
        private let now: Mutex<Date>
        init(_ start: Date) { now = Mutex(start) }
        func read() -> Date { now.withLock { $0 } }
        func set(_ date: Date) { now.withLock { $0 = date } }
    }

    /// Log lines, kept for the test to read.
    final class LogLines: Sendable {
        struct Line: Sendable {
            var level: Logger.Level
            var message: String
            var metadata: [String: String]
        }

        private let lines = Mutex<[Line]>([])
        var all: [Line] { lines.withLock { $0 } }
        func add(_ line: Line) { lines.withLock { $0.append(line) } }

        var logger: Logger {
            Logger(label: "test") { _ in Handler(lines: self) }
        }

        struct Handler: LogHandler {
            let lines: LogLines
            var metadata: Logger.Metadata = [:]
            var logLevel: Logger.Level = .trace
            subscript(metadataKey key: String) -> Logger.Metadata.Value? {
                get { metadata[key] }
                set { metadata[key] = newValue }
            }

            func log(event: LogEvent) {
                lines.add(Line(level: event.level, message: "\(event.message)",
                               metadata: (event.metadata ?? [:]).mapValues { "\($0)" }))
            }
        }
    }

    static let start = WireJSON.truncatedToMilliseconds(Date(timeIntervalSince1970: 1_796_000_000))
    static let findings = ["*** in database main ***", "Tree 12 page 4711: btreeInitPage() returns error code 11"]

    /// A daemon's state over an in-memory database, on a clock the test moves.
    static func fixture() throws -> (ManualClock, ServerState) {
        let clock = ManualClock(start)
        let state = ServerState(store: ClinicalStore(database: try ClinicalDatabase()), ruleSet: try ProfileLoader.load(directory: nil),
                                version: "test", access: .inProcessTests(as: [.admin]), clock: { clock.read() })
        return (clock, state)
    }

    static func monitor(_ state: ServerState, logs: LogLines = LogLines(), hooks: HookConfiguration = HookConfiguration(),
                        interval: Duration = .seconds(86_400), report: DatabaseIntegrity.Report) -> IntegrityMonitor {
        IntegrityMonitor(state: state, interval: interval, hooks: hooks, logger: logs.logger) { report }
    }

    static func run(_ state: ServerState, _ body: @Sendable (RouterHarness.Client) async throws -> Void) async throws {
        let app = Application(router: InfusionDaemon.buildRouter(state: state))
        try await app.test(.router) { client in try await body(RouterHarness.Client(client: client)) }
    }

    /// The value of one `/metrics` series, if it is there.
    static func metric(_ client: RouterHarness.Client, _ series: String) async throws -> Double? {
        let text = String(decoding: try await client.get("/metrics").body, as: UTF8.self)
        let line = text.split(separator: "\n").first { $0.hasPrefix(series + " ") }
        return line.flatMap { Double($0.split(separator: " ").last ?? "") }
    }

    // MARK: Settings

    @Test("database.integrityCheckIntervalSeconds: a day by default, 1…604800 accepted, anything else refused with its line", arguments: [
        ("", Duration?.some(.seconds(86_400))),
        ("database: {}\n", .seconds(86_400)),
        ("database:\n  integrityCheckIntervalSeconds: 1\n", .seconds(1)),
        ("database:\n  integrityCheckIntervalSeconds: 3600\n", .seconds(3600)),
        ("database:\n  integrityCheckIntervalSeconds: 604800\n", .seconds(604_800)),
        ("database:\n  integrityCheckIntervalSeconds: 0.999\n", nil),
        ("database:\n  integrityCheckIntervalSeconds: 0\n", nil),
        ("database:\n  integrityCheckIntervalSeconds: -5\n", nil),
        ("database:\n  integrityCheckIntervalSeconds: 604800.001\n", nil),
        ("database:\n  integrityCheckInterval: 3600\n", nil),
    ])
    func intervalSetting(yaml: String, expected: Duration?) throws {
        let text = "stateDirectory: /var/lib/infusiond\n" + yaml
        guard let expected else {
            #expect {
                _ = try DaemonConfiguration.parse(text, file: "t.yaml")
            } throws: { error in
                let error = error as? ConfigurationError
                return error?.line == 3 && (error?.message.contains("integrityCheckInterval") ?? false)
            }
            return
        }
        let configuration = try DaemonConfiguration.parse(text, file: "t.yaml")
        #expect((configuration.database ?? DatabaseConfiguration()).resolvedIntegrityCheckInterval == expected)
    }

    // MARK: Verdicts

    @Test("a check that passes changes nothing: health ok without system alerts, writes accepted, the pass logged with its duration")
    func passes() async throws {
        let (_, state) = try Self.fixture()
        let logs = LogLines()
        let monitor = Self.monitor(state, logs: logs, report: .init(findings: ["ok"], duration: .milliseconds(250)))
        #expect(await monitor.check() == .passed)
        #expect(state.integrity.lastCheck?.passed == true && !state.integrity.failed)
        #expect(state.store.writeRefusal == nil)
        let line = try #require(logs.all.first { $0.message == "database passed quick_check" })
        #expect(line.level == .info && line.metadata["infusion.duration"] == "0.25 seconds")
        try await Self.run(state) { client in
            let health = try await client.get("/v1/health").decode(Health.self)
            #expect(health.status == "ok" && health.systemAlerts == nil)
            #expect(try await client.send(.post, "/v1/sessions", json: RouterHarness.startRequest()).status == 201)
            #expect(try await Self.metric(client, "infusiond_database_integrity_ok") == 1)
            #expect(try await Self.metric(client, "infusiond_database_integrity_check_duration_seconds") == 0.25)
            #expect(try await Self.metric(client, #"infusiond_system_alert{alert="database.integrity"}"#) == 0)
        }
        let actions = try await state.store.auditPage(after: 0, limit: 100).records.map(\.record.action)
        #expect(!actions.contains("database.integrityFailed"))
    }

    @Test("a check that fails: degraded with a high system alert, the failure audited and logged, metrics set")
    func failureReported() async throws {
        let (_, state) = try Self.fixture()
        let logs = LogLines()
        let monitor = Self.monitor(state, logs: logs, report: .init(findings: Self.findings, duration: .milliseconds(1500)))
        try await Self.run(state) { client in
            #expect(try await Self.metric(client, "infusiond_database_integrity_ok") == nil, "no verdict before the first check")
            #expect(await monitor.check() == .failed)
            let health = try await client.get("/v1/health").decode(Health.self)
            #expect(health.status == "degraded")
            let alert = try #require(health.systemAlerts?.first)
            #expect(health.systemAlerts?.count == 1)
            #expect(alert.id == "database.integrity" && alert.priority == .high && alert.raisedAt == Self.start)
            #expect(alert.reason.contains("Tree 12 page 4711") && alert.reason.contains("503 database.damaged"))
            #expect(alert.guidance.contains("infusiond restore BACKUP-FILE") && alert.guidance.contains(state.store.database.path))
            #expect(try await Self.metric(client, "infusiond_database_integrity_ok") == 0)
            #expect(try await Self.metric(client, "infusiond_database_integrity_check_duration_seconds") == 1.5)
            #expect(try await Self.metric(client, "infusiond_database_integrity_last_check_timestamp_seconds") == Self.start.timeIntervalSince1970)
            #expect(try await Self.metric(client, #"infusiond_system_alert{alert="database.integrity"}"#) == 3)
        }
        let record = try #require(try await state.store.auditPage(after: 0, limit: 100).records.last?.record)
        #expect(record.action == "database.integrityFailed" && record.outcome == "failure")
        #expect(record.detail.objectValue?["findings"] == .array(Self.findings.map(JSONValue.string)))
        let critical = try #require(logs.all.first { $0.level == .critical })
        #expect(critical.message.contains("database failed quick_check"))
        #expect(critical.metadata["infusion.findings"]?.contains("page 4711") == true)
        // A second failing check raises nothing new.
        #expect(await monitor.check() == .failed)
        #expect(try await state.store.auditPage(after: 0, limit: 100).records.filter { $0.record.action == "database.integrityFailed" }.count == 1)
        #expect(logs.all.filter { $0.level == .critical }.count == 1)
    }

    @Test("after a failure every state-changing request is 503 database.damaged with the restore steps; reads and the replay work", arguments: [
        (HTTPRequest.Method.post, "/v1/sessions", true),
        (.post, "/v1/sessions/{session}/observations", true),
        (.post, "/v1/sessions/{session}/actions", true),
        (.post, "/v1/alerts/1/ack", true),
        (.post, "/v1/admin/reload", true),
        (.post, "/v1/admin/backup", true),
        (.put, "/v1/sessions/{session}", true),
        (.delete, "/v1/sessions/{session}", true),
        (.patch, "/v1/sessions/{session}", true),
        (.post, "/v1/sessions/{session}/replay", false),
        (.get, "/v1/sessions/{session}", false),
        (.get, "/v1/sessions", false),
        (.get, "/v1/alerts", false),
        (.get, "/v1/audit", false),
        (.get, "/v1/health", false),
    ])
    func writesRefused(method: HTTPRequest.Method, route: String, refused: Bool) async throws {
        let (_, state) = try Self.fixture()
        try await Self.run(state) { client in
            let session = try await client.send(.post, "/v1/sessions", json: RouterHarness.startRequest()).decode(Session.self)
            #expect(await Self.monitor(state, report: .init(findings: Self.findings, duration: .seconds(1))).check() == .failed)
            let path = route.replacingOccurrences(of: "{session}", with: session.id.uuidString.lowercased())
            // The body is not even read: a refusal whatever it holds.
            let reply = try await client.send(method, path, raw: Data("{}".utf8))
            if refused {
                #expect(reply.status == 503)
                let problem = try #require(reply.problem)
                #expect(problem.code == "database.damaged")
                #expect(problem.detail.contains("not stored") && problem.detail.contains("Tree 12 page 4711"))
                #expect(problem.detail.contains("infusiond restore BACKUP-FILE") && problem.detail.contains("docs/OPERATIONS.md"))
            } else {
                #expect(reply.status == 200, "\(method) \(path): \(reply.status) \(String(decoding: reply.body, as: UTF8.self))")
            }
        }
    }

    @Test("after a failure the timers and the heartbeat store nothing: the dose-cap tick that would stop a session does not")
    func timersRefused() async throws {
        let (clock, state) = try Self.fixture()
        // 100 kg at 1 mg/kg/h: the 500 mg cap (L16) is reached at 300 min.
        let request = StartSessionRequest(
            patientId: "MRN-4001", drug: .lidocaine, weightKg: 100, dosingWeight: .actual,
            infusion: InfusionOrder(rateMgPerKgPerHour: 1), prescriber: "clin-017", recordedBy: "nurse-042",
            baseline: RouterHarness.baseline)
        let started = Mutex<UUID?>(nil)
        try await Self.run(state) { client in
            let id = try await client.send(.post, "/v1/sessions", json: request).decode(Session.self).id
            started.withLock { $0 = id }
        }
        let sessionId = started.withLock { $0 }
        let timer = ClinicalClockTimer(state: state, interval: .seconds(1), logger: Logger(label: "test"))
        let heartbeat = AuditHeartbeat(state: state, interval: .seconds(300), logger: Logger(label: "test"))
        let escalation = EscalationTimer(state: state, interval: .seconds(1), logger: Logger(label: "test"))
        #expect(await Self.monitor(state, report: .init(findings: Self.findings, duration: .seconds(1))).check() == .failed)
        let recordsBefore = try await state.store.counts().auditRecords
        clock.set(Self.start.addingTimeInterval(300 * 60))
        #expect(await timer.tick().isEmpty)
        await heartbeat.beat()
        _ = await escalation.tick()
        let detail = try await state.store.sessionDetail(id: try #require(sessionId))
        #expect(detail.session.state == .running)
        #expect(try await state.store.counts().auditRecords == recordsBefore)
    }

    @Test("without the failure the same tick stops the session (the timers test above would notice a gate that never closes)")
    func timersWriteWhenHealthy() async throws {
        let (clock, state) = try Self.fixture()
        let request = StartSessionRequest(
            patientId: "MRN-4001", drug: .lidocaine, weightKg: 100, dosingWeight: .actual,
            infusion: InfusionOrder(rateMgPerKgPerHour: 1), prescriber: "clin-017", recordedBy: "nurse-042",
            baseline: RouterHarness.baseline)
        let started = Mutex<UUID?>(nil)
        try await Self.run(state) { client in
            let id = try await client.send(.post, "/v1/sessions", json: request).decode(Session.self).id
            started.withLock { $0 = id }
        }
        let sessionId = started.withLock { $0 }
        #expect(await Self.monitor(state, report: .init(findings: ["ok"], duration: .seconds(1))).check() == .passed)
        clock.set(Self.start.addingTimeInterval(300 * 60))
        #expect(await ClinicalClockTimer(state: state, interval: .seconds(1), logger: Logger(label: "test")).tick().count == 1)
        #expect(try await state.store.sessionDetail(id: try #require(sessionId)).session.state == .stopped)
    }

    @Test("a stream opened while the alert holds starts with it as event: system, without an id")
    func streamGetsSystemAlert() async throws {
        let (_, state) = try Self.fixture()
        #expect(await Self.monitor(state, report: .init(findings: Self.findings, duration: .seconds(1))).check() == .failed)
        try await Self.run(state) { client in
            // With the bus shut down the stream ends after what it sends at once, so the body can be read whole.
            state.alertBus.shutDown()
            let reply = try await client.get("/v1/alerts/stream")
            #expect(reply.status == 200)
            let text = String(decoding: reply.body, as: UTF8.self)
            let block = try #require(text.components(separatedBy: "\n\n").first { $0.hasPrefix("event: system\n") })
            let lines = block.components(separatedBy: "\n")
            #expect(lines.count == 2 && lines[1].hasPrefix("data: "))
            let alert = try WireJSON.decoder().decode(SystemAlert.self, from: Data(lines[1].dropFirst("data: ".count).utf8))
            #expect(alert.id == "database.integrity" && alert.priority == .high)
        }
    }

    @Test("a stream already open gets the alert once, when it is raised")
    func openStreamGetsSystemAlert() async throws {
        let (_, state) = try Self.fixture()
        try await Self.run(state) { client in
            let stream = Task { try await client.get("/v1/alerts/stream") }
            while state.alertBus.subscriberCount == 0 { try await Task.sleep(for: .milliseconds(10)) }
            #expect(await Self.monitor(state, report: .init(findings: Self.findings, duration: .seconds(1))).check() == .failed)
            // Later wake-ups (a heartbeat, a commit) do not send it again.
            try await Task.sleep(for: .milliseconds(100))
            state.alertBus.publish(.heartbeat)
            try await Task.sleep(for: .milliseconds(100))
            state.alertBus.shutDown()
            let text = String(decoding: try await stream.value.body, as: UTF8.self)
            #expect(text.components(separatedBy: "event: system\n").count == 2, "\(text)")
        }
    }

    @Test("the onAlert hook is run once with the system alert, its delivery id system-database.integrity-<epoch seconds>, retried when it fails")
    func hookRun() async throws {
        let (_, state) = try Self.fixture()
        let folder = NSTemporaryDirectory() + "integrity-hook-\(UUID().uuidString.prefix(8))"
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: folder) }
        // Fails its first run, then keeps what it was given.
        let script = "\(folder)/hook.sh"
        try """
            #!/bin/sh
            if [ "$INFUSIOND_DELIVERY_ATTEMPT" = 1 ]; then exit 3; fi
            cat > \(folder)/notice.json
            echo "$INFUSIOND_HOOK $INFUSIOND_DELIVERY_ID $INFUSIOND_DELIVERY_ATTEMPT" > \(folder)/environment
            """.write(toFile: script, atomically: true, encoding: .utf8)
        try FileManager.default.setAttributes([.posixPermissions: 0o755], ofItemAtPath: script)
        let hooks = HookConfiguration(onAlert: [script], maxAttempts: 3, retryInitialSeconds: 0.05)
        let monitor = Self.monitor(state, hooks: hooks, report: .init(findings: Self.findings, duration: .seconds(1)))
        #expect(await monitor.check() == .failed)
        let deliveryId = "system-database.integrity-\(Int64(Self.start.timeIntervalSince1970))"
        #expect(try String(contentsOfFile: "\(folder)/environment", encoding: .utf8) == "onAlert \(deliveryId) 2\n")
        let notice = try WireJSON.decoder().decode(SystemAlertHookEvent.self, from: Data(contentsOf: URL(fileURLWithPath: "\(folder)/notice.json")))
        #expect(notice.deliveryId == deliveryId && notice.kind == "system")
        #expect(notice.systemAlert.id == "database.integrity" && notice.systemAlert.priority == .high)
        // Once per failure: a second failing check does not run it again.
        try FileManager.default.removeItem(atPath: "\(folder)/environment")
        #expect(await monitor.check() == .failed)
        #expect(!FileManager.default.fileExists(atPath: "\(folder)/environment"))
    }

    @Test("hook delivery from the outbox stops once writes are refused, instead of running the hook again every second")
    func outboxDeliveryStops() async throws {
        let folder = NSTemporaryDirectory() + "integrity-outbox-\(UUID().uuidString.prefix(8))"
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: folder) }
        let runs = "\(folder)/runs"
        let command = ["/bin/sh", "-c", "cat >/dev/null; echo run >> \(runs)"]
        let hooks = HookConfiguration(onAlert: command, retryInitialSeconds: 0.05)
        let store = ClinicalStore(database: try ClinicalDatabase(), notifiedHooks: [.onAlert])
        let state = ServerState(store: store, ruleSet: try ProfileLoader.load(directory: nil), version: "test")
        // Tinnitus pauses the session and raises L10: one onAlert notice in the outbox.
        let session = try await state.store.startSession(
            StartSessionRequest(patientId: "MRN-H1", drug: .lidocaine, weightKg: 70, dosingWeight: .actual,
                                infusion: InfusionOrder(rateMgPerKgPerHour: 1), prescriber: "clin-017",
                                recordedBy: "nurse-042", baseline: RouterHarness.baseline),
            ruleSet: state.ruleSet, actor: .daemon, now: Date())
        _ = try await state.store.recordObservation(
            sessionId: session.id, request: ObservationRequest(observedAt: Date(), recordedBy: "nurse-042", symptoms: [.tinnitus]),
            ruleSet: state.ruleSet, actor: .daemon, now: Date())
        #expect(try await state.store.pendingHookNotices().count == 1)
        store.refuseWrites(WritesRefused(.damaged(DatabaseDamagedError(path: ":memory:", findings: Self.findings))))
        let delivery = Task { await HookRunner(state: state, hooks: hooks, logger: Logger(label: "test")).deliverPending(.onAlert, command) }
        let deadline = ContinuousClock.now + .seconds(60)
        while HookDeliveryTests.lines(runs).isEmpty, ContinuousClock.now < deadline { try await Task.sleep(for: .milliseconds(20)) }
        // Retrying would run it again within 0.05 s plus the run itself.
        try await Task.sleep(for: .seconds(1))
        delivery.cancel()
        await delivery.value
        // One run, whose record could not be written; no run after it.
        #expect(HookDeliveryTests.lines(runs).count == 1)
        #expect(try await state.store.pendingHookNotices().count == 1)
    }

    @Test("a check that SQLite aborts with SQLITE_CORRUPT is a failure; one that cannot run is tried again later")
    func checkErrors() async throws {
        let (_, corruptState) = try Self.fixture()
        let corrupt = IntegrityMonitor(state: corruptState, interval: .seconds(60), logger: Logger(label: "test")) {
            throw DatabaseError(resultCode: .SQLITE_CORRUPT, message: "database disk image is malformed")
        }
        #expect(await corrupt.check() == .failed)
        #expect(corruptState.integrity.systemAlerts.first?.reason.contains("SQLITE_CORRUPT: database disk image is malformed") == true)

        let (_, busyState) = try Self.fixture()
        let busy = IntegrityMonitor(state: busyState, interval: .seconds(60), logger: Logger(label: "test")) {
            throw DatabaseError(resultCode: .SQLITE_IOERR, message: "disk I/O error")
        }
        #expect(await busy.check() == .notRun)
        #expect(!busyState.integrity.failed && busyState.store.writeRefusal == nil)
    }

    @Test("it checks right after start and then every interval, and stops checking after a failure")
    func interval() async throws {
        let (_, state) = try Self.fixture()
        let checks = Mutex(0)
        let monitor = IntegrityMonitor(state: state, interval: .milliseconds(50), logger: Logger(label: "test")) {
            let count = checks.withLock { count -> Int in
                count += 1
                return count
            }
            return .init(findings: count < 4 ? ["ok"] : Self.findings, duration: .milliseconds(1))
        }
        let running = Task { try await monitor.run() }
        let deadline = ContinuousClock.now + .seconds(120)
        while !state.integrity.failed, ContinuousClock.now < deadline { try await Task.sleep(for: .milliseconds(10)) }
        try #require(state.integrity.failed)
        #expect(checks.withLock { $0 } == 4)
        try await Task.sleep(for: .milliseconds(300))
        #expect(checks.withLock { $0 } == 4, "no check after the failure")
        running.cancel()
        try await running.value
    }

    @Test("the first check runs at once, not an interval after the start")
    func firstAtOnce() async throws {
        let (_, state) = try Self.fixture()
        let checks = Mutex(0)
        let monitor = IntegrityMonitor(state: state, interval: .seconds(3600), logger: Logger(label: "test")) {
            checks.withLock { $0 += 1 }
            return .init(findings: ["ok"], duration: .milliseconds(1))
        }
        let running = Task { try await monitor.run() }
        // Generous for a loaded machine, and still far below the hour the interval would make it wait.
        let deadline = ContinuousClock.now + .seconds(60)
        while checks.withLock({ $0 }) == 0, ContinuousClock.now < deadline { try await Task.sleep(for: .milliseconds(10)) }
        running.cancel()
        try await running.value
        #expect(checks.withLock { $0 } == 1)
        #expect(state.integrity.lastCheck?.passed == true)
    }

    @Test("each next check runs an interval after the previous one ended", arguments: [Duration.milliseconds(300), .seconds(1)])
    func spacing(interval: Duration) async throws {
        let (_, state) = try Self.fixture()
        let times = Mutex<[ContinuousClock.Instant]>([])
        let monitor = IntegrityMonitor(state: state, interval: interval, logger: Logger(label: "test")) {
            times.withLock { $0.append(.now) }
            return .init(findings: ["ok"], duration: .milliseconds(1))
        }
        let running = Task { try await monitor.run() }
        let deadline = ContinuousClock.now + .seconds(60)
        while times.withLock({ $0.count }) < 3, ContinuousClock.now < deadline { try await Task.sleep(for: .milliseconds(10)) }
        running.cancel()
        try await running.value
        let seen = times.withLock { $0 }
        #expect(seen.count >= 3)
        for (earlier, later) in zip(seen, seen.dropFirst()) {
            #expect(later - earlier >= interval)
        }
    }

    @Test("after a failure the service keeps running (the daemon goes on serving reads) until the stop")
    func runsOnAfterFailure() async throws {
        let (_, state) = try Self.fixture()
        let monitor = Self.monitor(state, report: .init(findings: Self.findings, duration: .seconds(1)))
        let group = ServiceGroup(configuration: .init(services: [monitor], logger: Logger(label: "test")))
        let running = Task { try await group.run() }
        while !state.integrity.failed { try await Task.sleep(for: .milliseconds(5)) }
        try await Task.sleep(for: .milliseconds(200))
        await group.triggerGracefulShutdown()
        // A service that ended on its own would make the group throw.
        try await running.value
    }

    @Test("a graceful stop does not wait for a check under way")
    func stopDoesNotWait() async throws {
        let (_, state) = try Self.fixture()
        let began = Mutex(false)
        // A check that would take an hour unless cancelled.
        let monitor = IntegrityMonitor(state: state, interval: .seconds(60), logger: Logger(label: "test")) {
            began.withLock { $0 = true }
            try await Task.sleep(for: .seconds(3600))
            return .init(findings: ["ok"], duration: .seconds(3600))
        }
        let group = ServiceGroup(configuration: .init(services: [monitor], logger: Logger(label: "test")))
        let running = Task { try await group.run() }
        while !began.withLock({ $0 }) { try await Task.sleep(for: .milliseconds(5)) }
        let stopping = ContinuousClock.now
        await group.triggerGracefulShutdown()
        try await running.value
        // Far below the hour the check would take (the bound allows for a loaded machine).
        #expect(ContinuousClock.now - stopping < .seconds(60))
        #expect(state.integrity.lastCheck == nil && !state.integrity.failed)
    }
}
