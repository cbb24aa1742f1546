import Foundation
import GRDB
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import InfusionCore
import InfusionServer
import InfusionStore
import Logging
import Synchronization
import Testing
#if canImport(Glibc)
import Glibc
#endif

/// The daemon's side of continuous replication, against a stand-in for Litestream's control socket: the lag, the
/// `replication.lag` system alert (low, then medium, then resolved) in health, metrics and the audit trail, the
/// `replication:` settings, the control-socket client, the stop without checkpoint, and the store epoch header.
@Suite("Replication: lag, system alert, settings, stop, store epoch")
struct ReplicationTests {
    static let logger = Logger(label: "test")

    // MARK: The lag policy, at every bound

    @Test("the lag becomes no alert, low or medium exactly above each bound", arguments: [
        (0.0, 15.0, 60.0, AlertPriority?.none),
        (15.0, 15.0, 60.0, nil),
        (15.001, 15.0, 60.0, .low),
        (60.0, 15.0, 60.0, .low),
        (60.001, 15.0, 60.0, .medium),
        (3600.0, 15.0, 60.0, .medium),
        (5.0, 5.0, 5.0, nil),
        (5.001, 5.0, 5.0, .medium),
    ])
    func lagPriority(lag: Double, alert: Double, medium: Double, expected: AlertPriority?) {
        #expect(ReplicationLagPolicy.priority(lagSeconds: lag, alertSeconds: alert, mediumSeconds: medium) == expected)
    }

    @Test("the alert is raised, escalates, never drops a priority while it holds, and resolves", arguments: [
        (AlertPriority?.none, AlertPriority?.none, AlertPriority?.none, ReplicationLagPolicy.Change?.none),
        (nil, .low, .low, .raised),
        (nil, .medium, .medium, .raised),
        (.low, .low, .low, nil),
        (.low, .medium, .medium, .escalated),
        (.medium, .low, .medium, nil),
        (.medium, .medium, .medium, nil),
        (.low, nil, nil, .resolved),
        (.medium, nil, nil, .resolved),
    ])
    func alertTransitions(current: AlertPriority?, assessed: AlertPriority?, expected: AlertPriority?, change: ReplicationLagPolicy.Change?) {
        let next = ReplicationLagPolicy.next(current: current, assessed: assessed)
        #expect(next.priority == expected)
        #expect(next.change == change)
    }

    // MARK: Settings

    @Test("a replication section loads with its defaults filled in")
    func settingsLoad() throws {
        let configuration = try DaemonConfiguration.parse("""
            replication:
              replicator: litestream
              controlSocket: /run/x/ls.sock
              lagAlertSeconds: 20

            """, file: "t.yaml")
        let replication = try #require(configuration.replication)
        #expect(replication.resolvedControlSocket == "/run/x/ls.sock")
        #expect(replication.resolvedLagAlertSeconds == 20)
        #expect(replication.resolvedLagMediumSeconds == 60)
        #expect(replication.resolvedCheckInterval == .seconds(5))
        #expect(replication.resolvedStopSyncTimeout == .seconds(10))
        #expect(try DaemonConfiguration.parse("logLevel: info\n", file: "t.yaml").replication == nil)
        #expect(ReplicatorConfiguration().resolvedControlSocket == "/run/infusiond-litestream/litestream.sock")
    }

    @Test("bad replication settings are refused with their line", arguments: [
        ("replication:\n  replicator: rsync\n", 2, "is not known"),
        ("replication:\n  controlSocket: ls.sock\n", 2, "absolute path"),
        ("replication:\n  controlSocket: /\(String(repeating: "x", count: 120))\n", 2, "under 108"),
        ("replication:\n  lagAlertSeconds: 0\n", 2, "lagAlertSeconds must be"),
        ("replication:\n  lagAlertSeconds: 30\n  lagMediumSeconds: 20\n", 3, "must be at least lagAlertSeconds"),
        ("replication:\n  checkIntervalSeconds: 900\n", 2, "checkIntervalSeconds must be"),
        ("replication:\n  stopSyncTimeoutSeconds: 0\n", 2, "stopSyncTimeoutSeconds must be"),
        ("replication:\n  lagAlertSecond: 30\n", 2, "lagAlertSecond"),
    ])
    func settingsRefused(text: String, line: Int, message: String) throws {
        let error = try #require(throws: ConfigurationError.self) { try DaemonConfiguration.parse(text, file: "t.yaml") }
        #expect(error.line == line, "\(error)")
        #expect(error.message.contains(message), "\(error)")
    }

    // MARK: The control socket client

    @Test("Litestream's times parse to the millisecond, with nanoseconds, without a fraction, or not at all", arguments: [
        ("2026-12-03T09:56:10.81059962Z", 1_796_291_770.810),
        ("2026-12-03T09:56:10Z", 1_796_291_770.0),
        ("2026-12-03T09:56:10.5Z", 1_796_291_770.5),
        ("2026-12-03T10:56:10.250+01:00", 1_796_291_770.25),
        ("yesterday", -1),
    ])
    func litestreamTimes(text: String, seconds: Double) {
        let parsed = LitestreamControl.parseTime(text)
        if seconds < 0 {
            #expect(parsed == nil)
        } else {
            #expect(abs((parsed?.timeIntervalSince1970 ?? 0) - seconds) < 0.0005, "\(text) → \(String(describing: parsed))")
        }
    }

    @Test("answers: plain and chunked bodies are read; an error status names Litestream's own error")
    func controlAnswers() throws {
        let plain = Data("HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\n{}".utf8)
        #expect(try LitestreamControl.parse(plain, request: "GET /list", socketPath: "s") == Data("{}".utf8))
        let chunked = Data("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n3\r\n{\"a\r\n4\r\n\":1}\r\n0\r\n\r\n".utf8)
        #expect(try LitestreamControl.parse(chunked, request: "GET /list", socketPath: "s") == Data("{\"a\":1}".utf8))
        let missing = Data("HTTP/1.1 404 Not Found\r\nContent-Length: 49\r\n\r\n{\"error\":\"database not found: /tmp/lsx/nope.db\"}\n".utf8)
        let error = try #require(throws: LitestreamControl.ControlError.self) {
            try LitestreamControl.parse(missing, request: "POST /sync", socketPath: "s")
        }
        #expect(error.description == "Litestream answered POST /sync with 404: database not found: /tmp/lsx/nope.db")
    }

    @Test("a control socket nobody listens on is a clear error naming the socket and what to check")
    func unreachable() async throws {
        let control = LitestreamControl(socketPath: "/tmp/no-such-\(UUID().uuidString.prefix(8)).sock")
        let error = await #expect(throws: LitestreamControl.ControlError.self) { try await control.list(timeout: .seconds(1)) }
        #expect(error?.description.contains("cannot reach Litestream's control socket") == true)
        #expect(error?.description.contains("infusiond-litestream") == true)
    }

    // MARK: The monitor

    /// A daemon state over a file database whose clock the test moves.
    final class Harness: Sendable {
        let folder: String
        let state: ServerState
        let clock: TestClock

        /// The time the daemon sees.
        final class TestClock: Sendable {
            let now = Mutex(Date())
        }

        init() throws {
            folder = "/tmp/rt-\(UUID().uuidString.prefix(8).lowercased())"
            try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
            let database = try ClinicalDatabase(path: "\(folder)/infusion.sqlite")
            let clock = TestClock()
            self.clock = clock
            state = ServerState(store: ClinicalStore(database: database), ruleSet: try ProfileLoader.load(directory: nil), version: "test",
                                access: .inProcessTests(as: [.admin]), clock: { clock.now.withLock { $0 } })
        }

        var path: String { state.store.database.path }

        func advance(_ seconds: TimeInterval) { clock.now.withLock { $0 = $0.addingTimeInterval(seconds) } }

        /// Sets the daemon's clock to the real time, which the stand-in's sync times are relative to.
        func catchUp() { clock.now.withLock { $0 = Date() } }

        func health() async throws -> Health {
            let app = Application(router: InfusionDaemon.buildRouter(state: state))
            return try await app.test(.router) { client in
                let response = try await client.execute(uri: "/v1/health", method: .get)
                return try WireJSON.decoder().decode(Health.self, from: Data(response.body.readableBytesView))
            }
        }

        func metrics() async -> String { await state.metrics.render(store: state.store) }

        func alertRecords() async throws -> [[String: JSONValue]] {
            try await state.store.auditPage(after: 0, limit: 1000).records.filter { $0.record.action == "system.alert" }.compactMap {
                if case .object(let detail) = $0.record.detail { detail } else { nil }
            }
        }

        deinit { try? FileManager.default.removeItem(atPath: folder) }
    }

    @Test("a replica that falls behind raises the alert low, then medium; catching up resolves it; each step is in health, metrics and the audit trail")
    func laggingReplica() async throws {
        let harness = try Harness()
        let fake = try FakeLitestream()
        defer { fake.stop() }
        let configuration = ReplicatorConfiguration(controlSocket: fake.socketPath, lagAlertSeconds: 15, lagMediumSeconds: 60)
        let monitor = ReplicationMonitor(state: harness.state, configuration: configuration, databasePath: harness.path, logger: Self.logger)

        fake.report(path: harness.path, syncedSecondsAgo: 1)
        harness.catchUp()
        await monitor.check()
        var health = try await harness.health()
        #expect(health.replication?.state == .replicating)
        #expect(try #require(health.replication?.lagSeconds) < 3)
        #expect(health.systemAlerts == nil)
        #expect(MetricsTests.sample("infusiond_replication_up", in: await harness.metrics()) == 1)
        #expect(MetricsTests.sample(#"infusiond_system_alert{alert="replication.lag"}"#, in: await harness.metrics()) == 0)

        fake.report(path: harness.path, syncedSecondsAgo: 20)
        harness.catchUp()
        await monitor.check()
        health = try await harness.health()
        #expect(health.replication?.state == .lagging)
        let low = try #require(health.systemAlerts?.first)
        #expect(low.id == "replication.lag")
        #expect(low.priority == .low)
        #expect(low.reason.contains("The replica is behind"))
        #expect(MetricsTests.sample(#"infusiond_system_alert{alert="replication.lag"}"#, in: await harness.metrics()) == 1)
        #expect((MetricsTests.sample("infusiond_replication_lag_seconds", in: await harness.metrics()) ?? 0) >= 19)

        fake.report(path: harness.path, syncedSecondsAgo: 70)
        harness.catchUp()
        await monitor.check()
        #expect(try await harness.health().systemAlerts?.first?.priority == .medium)
        #expect(try await harness.health().systemAlerts?.first?.raisedAt == low.raisedAt)

        fake.report(path: harness.path, syncedSecondsAgo: 0.5)
        harness.catchUp()
        await monitor.check()
        #expect(try await harness.health().systemAlerts == nil)
        #expect(try await harness.health().replication?.state == .replicating)

        let records = try await harness.alertRecords()
        #expect(records.map { $0["change"]?.stringValue } == ["raised", "escalated", "resolved"])
        #expect(records.map { $0["priority"]?.stringValue } == ["low", "medium", nil])
        #expect(records.allSatisfy { $0["alert"]?.stringValue == "replication.lag" })
        #expect(try await harness.state.store.verifyAudit().ok)
        #expect(fake.requests.withLock { $0 }.allSatisfy { $0.line.hasPrefix("GET /list ") })
    }

    @Test("a replicator that falls silent lets the lag grow from its last sync: the alert is raised although nothing answers")
    func silentReplicator() async throws {
        let harness = try Harness()
        let fake = try FakeLitestream()
        let configuration = ReplicatorConfiguration(controlSocket: fake.socketPath)
        let monitor = ReplicationMonitor(state: harness.state, configuration: configuration, databasePath: harness.path, logger: Self.logger)
        fake.report(path: harness.path, syncedSecondsAgo: 0)
        await monitor.check()
        #expect(try await harness.health().systemAlerts == nil)
        fake.stop()
        harness.advance(10)
        await monitor.check()
        var health = try await harness.health()
        #expect(health.replication?.state == .unreachable)
        #expect(health.replication?.problem?.contains("cannot reach Litestream's control socket") == true)
        #expect(health.systemAlerts == nil, "10 s is within the 15 s bound")
        harness.advance(10)
        await monitor.check()
        health = try await harness.health()
        let alert = try #require(health.systemAlerts?.first)
        #expect(alert.priority == .low)
        #expect(alert.reason.contains("The replicator does not answer"))
        #expect(MetricsTests.sample("infusiond_replication_up", in: await harness.metrics()) == 0)
        harness.advance(45)
        await monitor.check()
        #expect(try await harness.health().systemAlerts?.first?.priority == .medium)
    }

    @Test("a replicator never heard from, or one that does not list this database, counts the lag from when the daemon started watching")
    func neverHeard() async throws {
        let harness = try Harness()
        let fake = try FakeLitestream()
        defer { fake.stop() }
        fake.report(path: "/somewhere/else.sqlite", syncedSecondsAgo: 0)
        let monitor = ReplicationMonitor(state: harness.state, configuration: ReplicatorConfiguration(controlSocket: fake.socketPath),
                                         databasePath: harness.path, logger: Self.logger)
        var health = try await harness.health()
        #expect(health.replication?.state == .starting)
        harness.advance(61)
        await monitor.check()
        health = try await harness.health()
        #expect(health.replication?.state == .notReplicating)
        #expect(health.replication?.lastSyncAt == nil)
        #expect(try #require(health.replication?.lagSeconds) >= 61)
        #expect(health.systemAlerts?.first?.priority == .medium)
        #expect(health.systemAlerts?.first?.reason.contains("does not replicate this database") == true)
        #expect(try await harness.alertRecords().map { $0["change"]?.stringValue } == ["raised"])
    }

    @Test("without a replicator health shows no replication and the monitor only waits")
    func notConfigured() async throws {
        let harness = try Harness()
        let monitor = ReplicationMonitor(state: harness.state, configuration: nil, databasePath: harness.path, logger: Self.logger)
        await monitor.check()
        let health = try await harness.health()
        #expect(health.replication == nil)
        #expect(health.systemAlerts == nil)
        #expect(MetricsTests.sample("infusiond_replication_up", in: await harness.metrics()) == nil)
    }

    // MARK: The stop

    @Test("with a replicator the stop asks it to sync and wait, and leaves the write-ahead log while it holds a reader, at once")
    func stopWithReplicator() async throws {
        let harness = try Harness()
        let fake = try FakeLitestream()
        defer { fake.stop() }
        _ = try await harness.state.store.recordDaemonEvent("daemon.stop", detail: ["graceful": true], now: Date())
        // Litestream keeps a read transaction open on the database; a reader of its own stands in for it.
        let reader = try ReaderHold(path: harness.path)
        defer { reader.release() }
        // A checkpoint, even one that gives up on the reader, copies the log into the database file: the file must
        // stay as it was (time is no measure here: the test process shares 2 cores with the whole parallel run).
        let before = try Data(contentsOf: URL(fileURLWithPath: harness.path))
        await ReplicationShutdown.close(database: harness.state.store.database,
                                        replication: ReplicatorConfiguration(controlSocket: fake.socketPath), logger: Self.logger)
        #expect(try Data(contentsOf: URL(fileURLWithPath: harness.path)) == before, "the stop checkpointed the log into the database")
        let sync = try #require(fake.requests.withLock { $0 }.first { $0.line.hasPrefix("POST /sync ") })
        let body = try #require(try JSONSerialization.jsonObject(with: Data(sync.body.utf8)) as? [String: Any])
        #expect(body["path"] as? String == harness.path)
        #expect(body["wait"] as? Bool == true)
        #expect(FileManager.default.fileExists(atPath: harness.path + "-wal"))
    }

    @Test("with a replicator that does not answer, the stop still ends promptly")
    func stopReplicatorGone() async throws {
        let harness = try Harness()
        // With a sync timeout of 10 minutes, only a stop that gives up at once on a replicator that is not there
        // ends within the bound.
        let started = ContinuousClock.now
        await ReplicationShutdown.close(database: harness.state.store.database,
                                        replication: ReplicatorConfiguration(controlSocket: "/tmp/nobody-\(UUID().uuidString.prefix(6)).sock",
                                                                             stopSyncTimeoutSeconds: 600),
                                        logger: Self.logger)
        #expect(ContinuousClock.now - started < .seconds(120))
    }

    @Test("without a replicator the stop checkpoints and empties the write-ahead log, as before")
    func stopWithoutReplicator() async throws {
        let harness = try Harness()
        _ = try await harness.state.store.recordDaemonEvent("daemon.stop", detail: ["graceful": true], now: Date())
        await ReplicationShutdown.close(database: harness.state.store.database, replication: nil, logger: Self.logger)
        let size = (try? FileManager.default.attributesOfItem(atPath: harness.path + "-wal")[.size] as? Int) ?? 0
        #expect(size == 0)
    }

    /// An SQLite read transaction held open on another connection, as Litestream holds one.
    final class ReaderHold: Sendable {
        private let queue: DatabaseQueue

        init(path: String) throws {
            var configuration = Configuration()
            configuration.readonly = true
            configuration.allowsUnsafeTransactions = true
            queue = try DatabaseQueue(path: path, configuration: configuration)
            try queue.inDatabase { db in
                try db.beginTransaction(.deferred)
                _ = try Int.fetchOne(db, sql: "SELECT count(*) FROM audit_records")
            }
        }

        func release() {
            try? queue.inDatabase { db in try db.commit() }
            try? queue.close()
        }
    }

    // MARK: The store epoch

    @Test("health and every answer carry the store epoch once the start has resolved it")
    func storeEpochHeader() async throws {
        let harness = try Harness()
        #expect(try await harness.health().storeEpoch == nil)
        let epoch = try await harness.state.storeEpoch.resolve(store: harness.state.store, logger: Self.logger)
        #expect(epoch.count == 16)
        #expect(try await harness.health().storeEpoch == epoch)
        let app = Application(router: InfusionDaemon.buildRouter(state: harness.state))
        try await app.test(.router) { client in
            let missing = try await client.execute(uri: "/v1/sessions/\(UUID())", method: .get)
            #expect(missing.status == .notFound)
            #expect(missing.headers[HTTPField.Name("Infusion-Store-Epoch")!] == epoch)
        }
    }
}
