import Foundation
import InfusionCore
import InfusionStore
import Logging
import Prometheus
import ServiceLifecycle
import Synchronization

/// What the daemon knows about its replica now: read by `GET /v1/health`, written by ``ReplicationMonitor``.
public final class ReplicationBoard: Sendable {
    private struct State {
        var configuration: ReplicatorConfiguration?
        var watchingSince: Date?
        var state: ReplicationHealth.State = .starting
        var lastSyncAt: Date?
        var checkedAt: Date?
        var problem: String?
        var alert: SystemAlert?
    }

    private let guarded = Mutex(State())

    public init() {}

    /// Starts the board for a configured replicator; until then health shows no replication.
    func begin(configuration: ReplicatorConfiguration, at now: Date) {
        guarded.withLock {
            $0.configuration = configuration
            $0.watchingSince = now
        }
    }

    /// Records what a check learned.
    func record(state replicationState: ReplicationHealth.State, lastSyncAt: Date?, problem: String?, at now: Date) {
        guarded.withLock {
            $0.state = replicationState
            if let lastSyncAt { $0.lastSyncAt = lastSyncAt }
            $0.problem = problem
            $0.checkedAt = now
        }
    }

    /// Replaces the system alert (nil once resolved).
    func setAlert(_ alert: SystemAlert?) {
        guarded.withLock { $0.alert = alert }
    }

    /// The lag at `now`: since the last confirmed sync, or since watching began while none was ever confirmed.
    func lagSeconds(at now: Date) -> Double? {
        guarded.withLock { state in
            guard let since = state.lastSyncAt ?? state.watchingSince else { return nil }
            return max(0, now.timeIntervalSince(since))
        }
    }

    /// What the last check learned (`starting` before the first).
    var state: ReplicationHealth.State { guarded.withLock { $0.state } }

    /// The last confirmed sync.
    var lastSyncAt: Date? { guarded.withLock { $0.lastSyncAt } }

    /// The replication part of the health document at `now`, or nil when no replicator is configured.
    public func health(at now: Date) -> ReplicationHealth? {
        let lag = lagSeconds(at: now)
        return guarded.withLock { state in
            guard let configuration = state.configuration else { return nil }
            var shown = state.state
            if shown == .replicating, let lag, lag > configuration.resolvedLagAlertSeconds { shown = .lagging }
            return ReplicationHealth(
                replicator: configuration.resolvedReplicator, state: shown, lastSyncAt: state.lastSyncAt,
                lagSeconds: lag.map { ($0 * 1000).rounded() / 1000 }, lagAlertSeconds: configuration.resolvedLagAlertSeconds,
                lagMediumSeconds: configuration.resolvedLagMediumSeconds, checkedAt: state.checkedAt, problem: state.problem)
        }
    }

    /// The system alerts that hold now.
    public var systemAlerts: [SystemAlert] {
        guarded.withLock { $0.alert.map { [$0] } ?? [] }
    }
}

/// Watches the replica through the replicator's control socket: the lag, and the `replication.lag` system alert.
///
/// Every `checkIntervalSeconds` it asks Litestream (`GET /list`) when it last synced the daemon's database. The
/// lag (now minus that time, or the time since the daemon started watching when no sync was ever confirmed) goes to
/// health and `/metrics`; a lag over `lagAlertSeconds` raises the alert at low priority, over `lagMediumSeconds`
/// at medium, each change logged and recorded in the audit trail (`system.alert`). A replicator that stops
/// answering lets the lag grow, so a silent replica raises the alert as surely as a slow one. Does nothing but wait
/// for shutdown when no replicator is configured.
public struct ReplicationMonitor: Service {
    private let state: ServerState
    private let configuration: ReplicatorConfiguration?
    private let databasePath: String
    private let logger: Logger
    private let gauges: Gauges?

    /// The `/metrics` series of a configured replicator.
    struct Gauges: Sendable {
        let lag: Gauge
        let lastSync: Gauge
        let up: Gauge
        let alert: Gauge

        init(registry: PrometheusCollectorRegistry) {
            lag = registry.makeGauge(descriptor: DaemonMetrics.name(
                "replication_lag", unit: "seconds",
                help: "Seconds since the replicator last confirmed a sync of the database (since the daemon started watching, while it never did)."))
            lastSync = registry.makeGauge(descriptor: DaemonMetrics.name(
                "replication_last_sync", unit: "timestamp_seconds", help: "When the replicator last confirmed a sync, in seconds since the Unix epoch (0: never)."))
            up = registry.makeGauge(descriptor: DaemonMetrics.name(
                "replication_up", unit: "", help: "1 when the replicator's control socket answered the last check and reports the database, else 0."))
            alert = registry.makeGauge(descriptor: DaemonMetrics.systemAlertDescriptor, labels: [("alert", ReplicationLagPolicy.alertId)])
        }
    }

    /// A monitor for `configuration` (nil: no replicator) watching the database at `databasePath`.
    public init(state: ServerState, configuration: ReplicatorConfiguration?, databasePath: String, logger: Logger) {
        self.state = state
        self.configuration = configuration
        self.databasePath = databasePath
        self.logger = logger
        self.gauges = configuration.map { _ in Gauges(registry: state.metrics.registry) }
        if let configuration { state.replication.begin(configuration: configuration, at: state.clock()) }
    }

    public func run() async throws {
        guard let configuration else {
            try? await gracefulShutdown()
            return
        }
        logger.info("watching the replica", metadata: [
            "infusion.replication.replicator": "\(configuration.resolvedReplicator)",
            "infusion.replication.controlSocket": "\(configuration.resolvedControlSocket)",
        ])
        await runPeriodically(every: configuration.resolvedCheckInterval, startingNow: true) { await self.check() }
    }

    /// Asks the replicator once, updates health and metrics, and raises, escalates or resolves the alert.
    public func check() async {
        guard let configuration else { return }
        let control = LitestreamControl(socketPath: configuration.resolvedControlSocket)
        var replicationState: ReplicationHealth.State
        var lastSyncAt: Date?
        var problem: String?
        do {
            if let entry = try await control.status(of: databasePath, timeout: min(configuration.resolvedCheckInterval * 2, .seconds(10))) {
                lastSyncAt = entry.lastSyncAt
                replicationState = .replicating
                if let status = entry.status, status != "replicating" { problem = "Litestream reports the database as \(status)" }
            } else {
                replicationState = .notReplicating
                problem = "Litestream on \(configuration.resolvedControlSocket) does not list \(databasePath); check `dbs:` in its config"
            }
        } catch {
            replicationState = .unreachable
            problem = "\(error)"
        }
        let now = state.clock()
        let board = state.replication
        let previous = board.state
        board.record(state: replicationState, lastSyncAt: lastSyncAt, problem: problem, at: now)
        if replicationState != previous {
            if replicationState == .replicating {
                logger.info("the replicator reports the database", metadata: ["infusion.replication.lastSyncAt": "\(lastSyncAt.map(WireJSON.formatTimestamp) ?? "never")"])
            } else {
                logger.warning("the replicator does not report the database", metadata: ["infusion.replication.problem": "\(problem ?? "")"])
            }
        }
        let lag = board.lagSeconds(at: now) ?? 0
        if let gauges {
            gauges.lag.set(lag)
            gauges.lastSync.set(board.lastSyncAt?.timeIntervalSince1970 ?? 0)
            gauges.up.set(Double(replicationState == .replicating ? 1 : 0))
        }
        await updateAlert(lag: lag, configuration: configuration, replicationState: replicationState, problem: problem, now: now)
    }

    private func updateAlert(lag: Double, configuration: ReplicatorConfiguration, replicationState: ReplicationHealth.State,
                             problem: String?, now: Date) async {
        let board = state.replication
        let current = board.systemAlerts.first
        let assessed = ReplicationLagPolicy.priority(lagSeconds: lag, alertSeconds: configuration.resolvedLagAlertSeconds,
                                                     mediumSeconds: configuration.resolvedLagMediumSeconds)
        let (priority, change) = ReplicationLagPolicy.next(current: current?.priority, assessed: assessed)
        let reason = ReplicationLagPolicy.reason(state: replicationState, lagSeconds: lag, lastSyncAt: board.lastSyncAt, problem: problem)
        let alert = priority.map {
            SystemAlert(id: ReplicationLagPolicy.alertId, priority: $0, raisedAt: current?.raisedAt ?? now,
                        updatedAt: change == nil ? current?.updatedAt ?? now : now, reason: reason, guidance: ReplicationLagPolicy.guidance)
        }
        board.setAlert(alert)
        gauges?.alert.set(Double(priority.map { AlertPriority.allCases.firstIndex(of: $0)! + 1 } ?? 0))
        guard let change else { return }
        let metadata: Logger.Metadata = [
            "infusion.alert": "\(ReplicationLagPolicy.alertId)", "infusion.alert.priority": "\(priority?.rawValue ?? "resolved")",
            "infusion.replication.lagSeconds": "\(Int(lag.rounded()))",
        ]
        switch change {
        case .raised, .escalated:
            if priority == .medium { logger.error("system alert: \(reason)", metadata: metadata) } else { logger.warning("system alert: \(reason)", metadata: metadata) }
        case .resolved:
            logger.notice("system alert resolved: the replica caught up", metadata: metadata)
        }
        do {
            try await state.store.recordDaemonEvent("system.alert", detail: [
                "alert": .string(ReplicationLagPolicy.alertId), "change": .string(change.rawValue),
                "priority": priority.map { .string($0.rawValue) } ?? .null,
                "previousPriority": current.map { .string($0.priority.rawValue) } ?? .null,
                "lagSeconds": .number((lag * 1000).rounded() / 1000),
                "lastSyncAt": board.lastSyncAt.map { .string(WireJSON.formatTimestamp($0)) } ?? .null,
                "replicator": .string(configuration.resolvedReplicator), "replicatorState": .string(replicationState.rawValue),
                "problem": problem.map(JSONValue.string) ?? .null,
                "lagAlertSeconds": .number(configuration.resolvedLagAlertSeconds),
                "lagMediumSeconds": .number(configuration.resolvedLagMediumSeconds),
            ], now: now)
        } catch {
            logger.error("could not record the system alert in the audit trail", metadata: ["infusion.error": "\(error)"])
        }
    }
}
