import Logging
import ServiceLifecycle

/// Pings systemd's watchdog only while the daemon can still reach its database writer, so a stuck database (a
/// hung disk, a transaction that never ends) stops the pings and systemd restarts the daemon. On graceful
/// shutdown it sends `STOPPING=1`.
///
/// A probe runs every quarter interval; each half interval the watchdog is pinged if a probe succeeded within the
/// last half interval, and withheld (logged at error) otherwise.
public struct SystemdWatchdog: Service {
    /// What happened at one ping time; tests observe these.
    public enum Outcome: Sendable, Equatable {
        /// The database answered recently; `WATCHDOG=1` was sent.
        case pinged
        /// No probe succeeded recently; the ping was withheld.
        case withheld
    }

    let notifier: SystemdNotifier
    /// systemd's `WatchdogSec`; nil means no watchdog (only `STOPPING=1` is sent).
    let interval: Duration?
    let probe: @Sendable () async throws -> Void
    let logger: Logger
    let onOutcome: @Sendable (Outcome) -> Void

    /// - Parameters:
    ///   - notifier: Where `WATCHDOG=1` and `STOPPING=1` go.
    ///   - interval: The unit's watchdog interval (`notifier.watchdogInterval` in the daemon).
    ///   - probe: Returns once the database writer has answered; hangs or throws when it cannot.
    ///   - onOutcome: Called at every ping time with what was done.
    public init(notifier: SystemdNotifier, interval: Duration?, logger: Logger,
                probe: @escaping @Sendable () async throws -> Void,
                onOutcome: @escaping @Sendable (Outcome) -> Void = { _ in }) {
        self.notifier = notifier
        self.interval = interval
        self.probe = probe
        self.logger = logger
        self.onOutcome = onOutcome
    }

    public func run() async throws {
        if let interval {
            let lastHealthy = HealthClock()
            let probeTask = Task { [probe, logger] in
                while !Task.isCancelled {
                    do {
                        let askedAt = ContinuousClock.now
                        try await probe()
                        lastHealthy.mark(askedAt: askedAt)
                    } catch {
                        logger.error("watchdog probe failed", metadata: ["infusion.error": "\(error)"])
                    }
                    try? await Task.sleep(for: interval / 4)
                }
            }
            defer { probeTask.cancel() }
            await cancelWhenGracefulShutdown {
                var withheld = false
                while !Task.isCancelled {
                    try? await Task.sleep(for: interval / 2)
                    if Task.isCancelled { break }
                    if lastHealthy.isWithin(interval / 2) {
                        if withheld { logger.notice("database answers again; watchdog pings resume") }
                        withheld = false
                        notifier.watchdog()
                        onOutcome(.pinged)
                    } else {
                        if !withheld {
                            logger.error("database writer has not answered for over \(interval / 2); withholding the systemd watchdog ping so the daemon is restarted if it stays stuck")
                        }
                        withheld = true
                        onOutcome(.withheld)
                    }
                }
            }
        } else {
            try? await gracefulShutdown()
        }
        notifier.stopping()
    }
}
