import Foundation
import InfusionCore
import InfusionStore
import Logging
import Prometheus
import ServiceLifecycle
import Synchronization

/// What the daemon knows about its database's integrity: read by `GET /v1/health` and the alert stream, written by
/// ``IntegrityMonitor``.
public final class IntegrityBoard: Sendable {
    /// The last check that ended with a verdict.
    public struct LastCheck: Sendable, Hashable {
        public var passed: Bool
        public var findings: [String]
        public var at: Date
        public var duration: Duration
    }

    private struct State {
        var last: LastCheck?
        var alert: SystemAlert?
    }

    private let guarded = Mutex(State())

    public init() {}

    /// The last check with a verdict, nil before the first one ends.
    public var lastCheck: LastCheck? { guarded.withLock { $0.last } }

    /// Whether a check found the database damaged (it stays so until the daemon restarts).
    public var failed: Bool { guarded.withLock { $0.alert != nil } }

    /// The `database.integrity` system alert while it holds.
    public var systemAlerts: [SystemAlert] { guarded.withLock { $0.alert.map { [$0] } ?? [] } }

    func recordPass(_ check: LastCheck) {
        guarded.withLock { $0.last = check }
    }

    /// Records a failed check and raises the alert; returns false when it was already raised.
    func recordFailure(_ check: LastCheck, alert: SystemAlert) -> Bool {
        guarded.withLock { state in
            state.last = check
            guard state.alert == nil else { return false }
            state.alert = alert
            return true
        }
    }
}

/// Checks the live database with `PRAGMA quick_check` in the background: right after start, then every
/// `database.integrityCheckIntervalSeconds` (a day by default).
///
/// Starting does not wait for it (it reads every page: seconds per million stored events). The check runs on one
/// of the pool's read connections, on a low-priority thread of its own (``DatabaseIntegrity/quickCheck(_:maxFindings:)``),
/// so requests, timers and commits go on meanwhile; a graceful stop interrupts a check under way.
///
/// A pass is logged (`database passed quick_check`, with its duration). A failure, once:
/// - closes writes in the store (``WritesRefused``): every state-changing request is answered `503
///   database.damaged` with the restore steps, the timers and hooks store nothing more; reads keep working;
/// - raises the `database.integrity` system alert at high priority: health says `degraded` and lists it, open
///   alert streams get it as an `event: system`, and `hooks.onAlert` is run with it directly (the hook outbox is in
///   the damaged database), retried like any notice;
/// - logs it at critical and records `database.integrityFailed` in the audit trail (logged if that write fails);
/// - sets the `/metrics` gauges.
/// After a failure it checks no more: the verdict holds until the database is restored and the daemon restarted.
public struct IntegrityMonitor: Service {
    /// Runs one check of the live database.
    public typealias Checker = @Sendable () async throws -> DatabaseIntegrity.Report

    /// The alert's id in health, the stream, hooks and `/metrics`.
    public static let alertId = "database.integrity"

    private let state: ServerState
    private let interval: Duration
    private let hooks: HookConfiguration
    private let logger: Logger
    private let checker: Checker
    private let gauges: Gauges

    /// The `/metrics` series.
    struct Gauges: Sendable {
        let registry: PrometheusCollectorRegistry
        let alert: Gauge

        init(registry: PrometheusCollectorRegistry) {
            self.registry = registry
            alert = registry.makeGauge(descriptor: DaemonMetrics.systemAlertDescriptor, labels: [("alert", IntegrityMonitor.alertId)])
        }

        /// Made at the first verdict, so a scrape before it shows no result rather than a failed one.
        func record(passed: Bool, duration: Duration, at: Date) {
            registry.makeGauge(descriptor: DaemonMetrics.name(
                "database_integrity_ok", unit: "", help: "1 when the last background integrity check (PRAGMA quick_check) passed, 0 when it found the database damaged."))
                .set(Double(passed ? 1 : 0))
            registry.makeGauge(descriptor: DaemonMetrics.name(
                "database_integrity_check_duration", unit: "seconds", help: "How long the last background integrity check took."))
                .set(IntegrityMonitor.seconds(duration))
            registry.makeGauge(descriptor: DaemonMetrics.name(
                "database_integrity_last_check", unit: "timestamp_seconds", help: "When the last background integrity check ended, in seconds since the Unix epoch."))
                .set(at.timeIntervalSince1970)
            if !passed { alert.set(Double(AlertPriority.allCases.firstIndex(of: .high)! + 1)) }
        }
    }

    /// A monitor checking every `interval`; `checker` replaces the real check (tests).
    public init(state: ServerState, interval: Duration, hooks: HookConfiguration = HookConfiguration(), logger: Logger,
                checker: Checker? = nil) {
        self.state = state
        self.interval = interval
        self.hooks = hooks
        self.logger = logger
        let database = state.store.database
        self.checker = checker ?? { try await DatabaseIntegrity.quickCheck(database) }
        self.gauges = Gauges(registry: state.metrics.registry)
    }

    public func run() async throws {
        await cancelWhenGracefulShutdown {
            await self.watch()
        }
        // After a failure there is nothing left to check, but a service that returns before the stop ends the
        // whole daemon: wait for the stop.
        try? await gracefulShutdown()
    }

    /// Checks now and then every interval, until a check finds damage or the task is cancelled.
    func watch() async {
        while !Task.isCancelled {
            if await check() == .failed { return }
            do { try await Task.sleep(for: interval) } catch { return }
        }
    }

    /// How a check ended.
    public enum Verdict: Sendable, Hashable {
        case passed
        case failed
        /// Cancelled (shutdown), or SQLite could not run it (logged; tried again at the next interval).
        case notRun
    }

    /// Runs one check and acts on its verdict (see the type's description).
    @discardableResult
    public func check() async -> Verdict {
        let path = state.store.database.path
        let started = ContinuousClock.now
        let findings: [String]
        let duration: Duration
        do {
            let report = try await checker()
            findings = report.findings
            duration = report.duration
        } catch is CancellationError {
            return .notRun
        } catch {
            guard let damage = DatabaseIntegrity.damage(path: path, checkError: error) else {
                logger.error("the background integrity check could not run; it is tried again at the next interval",
                             metadata: ["infusion.error": "\(error)", "infusion.interval": "\(interval)"])
                return .notRun
            }
            findings = damage.findings
            duration = ContinuousClock.now - started
        }
        let now = state.clock()
        if findings == ["ok"] {
            state.integrity.recordPass(.init(passed: true, findings: findings, at: now, duration: duration))
            gauges.record(passed: true, duration: duration, at: now)
            logger.info("database passed quick_check", metadata: ["infusion.duration": "\(duration)"])
            return .passed
        }
        await fail(DatabaseDamagedError(path: path, findings: Array(findings.prefix(DatabaseIntegrity.quotedProblems))),
                   duration: duration, now: now)
        return .failed
    }

    private func fail(_ damage: DatabaseDamagedError, duration: Duration, now: Date) async {
        let alert = SystemAlert(
            id: Self.alertId, priority: .high, raisedAt: now, updatedAt: now,
            reason: "The database failed its integrity check (PRAGMA quick_check: \(damage.findings.joined(separator: "; "))): infusiond stores nothing more and refuses every change with 503 database.damaged; reads keep working.",
            guidance: "Keep the record on paper and restore now. \(damage.restoreDirections)")
        guard state.integrity.recordFailure(.init(passed: false, findings: damage.findings, at: now, duration: duration), alert: alert) else { return }
        // Writes close before anything else can commit on the damaged file; the stream learns of it at once.
        state.store.refuseWrites(WritesRefused(.damaged(damage)))
        state.alertBus.publish(.changed)
        gauges.record(passed: false, duration: duration, at: now)
        logger.critical("database failed quick_check: writes are refused (503 database.damaged) until it is restored; reads continue", metadata: [
            "infusion.alert": "\(Self.alertId)", "infusion.duration": "\(duration)",
            "infusion.findings": "\(damage.findings.joined(separator: "; "))", "infusion.restore": "\(damage.restoreDirections)",
        ])
        do {
            let entry = try await state.store.closeWrites(for: damage, checkDuration: duration, now: now)
            logger.notice("recorded database.integrityFailed in the audit trail", metadata: ["infusion.audit.seq": "\(entry.record.seq)"])
        } catch {
            logger.error("could not record database.integrityFailed in the audit trail (the damage may be in it)",
                         metadata: ["infusion.error": "\(error)"])
        }
        if let command = hooks.onAlert {
            await SystemAlertHook.deliver(alert, command: command, hooks: hooks, logger: logger)
        }
    }

    static func seconds(_ duration: Duration) -> Double {
        Double(duration.components.seconds) + Double(duration.components.attoseconds) / 1e18
    }
}

/// What `hooks.onAlert` receives for a system alert (an alarm about the daemon itself, e.g. `database.integrity`):
/// `kind` is `system`, and the alert is under `systemAlert` instead of `alert`.
public struct SystemAlertHookEvent: Codable, Sendable, Hashable {
    /// `system-<alert id>-<epoch seconds it was raised>`: the same on every retry.
    public var deliveryId: String
    /// Always `system`.
    public var kind: String
    public var at: Date
    public var systemAlert: SystemAlert

    public init(alert: SystemAlert) {
        deliveryId = "system-\(alert.id)-\(Int64(alert.raisedAt.timeIntervalSince1970))"
        kind = "system"
        at = alert.updatedAt
        self.systemAlert = alert
    }
}

/// Runs `hooks.onAlert` for a system alert directly, without the hook outbox (a damaged database is no place to
/// queue it): retried with the hook's backoff up to `hooks.maxAttempts` runs while the daemon runs, each run and
/// the outcome logged (they cannot be audited). A stop ends it; the notice is not delivered again after a restart,
/// where a check that finds the damage again raises it anew.
enum SystemAlertHook {
    static func deliver(_ alert: SystemAlert, command: [String], hooks: HookConfiguration, logger: Logger) async {
        let notice = SystemAlertHookEvent(alert: alert)
        guard let program = command.first, let payload = try? WireJSON.encode(notice) else { return }
        var attempt = 0
        while !Task.isCancelled {
            attempt += 1
            let run = await HookCommand.execute(
                command, input: payload + Data("\n".utf8), timeout: hooks.resolvedTimeout,
                environment: ["INFUSIOND_HOOK": HookName.onAlert.rawValue, "INFUSIOND_DELIVERY_ID": notice.deliveryId,
                              "INFUSIOND_DELIVERY_ATTEMPT": String(attempt)])
            var metadata: Logger.Metadata = [
                "infusion.hook": "\(HookName.onAlert.rawValue)", "infusion.hook.deliveryId": "\(notice.deliveryId)",
                "infusion.hook.attempt": "\(attempt)", "infusion.hook.duration": "\(run.duration)",
            ]
            switch run.outcome {
            case .succeeded:
                logger.notice("system alert delivered to the hook", metadata: metadata)
                return
            case .cancelled:
                return
            default:
                break
            }
            metadata["infusion.hook.program"] = "\(program)"
            metadata["infusion.hook.result"] = "\(run.outcome)"
            if attempt >= hooks.resolvedMaxAttempts {
                logger.error("hook failed; giving up on the system alert notice", metadata: metadata)
                return
            }
            let delay = hooks.retryDelay(afterAttempt: attempt)
            metadata["infusion.hook.retryIn"] = "\(delay)"
            logger.error("hook failed on the system alert notice; will retry", metadata: metadata)
            do { try await Task.sleep(for: delay) } catch { return }
        }
    }
}
