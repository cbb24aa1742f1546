import Foundation
import InfusionCore
import InfusionStore
import Logging
import ServiceLifecycle

/// Writes a `daemon.heartbeat` audit record every interval, so a quiet trail can be told apart from a trail
/// with records deleted (SPEC §6), and a crash can be dated to within one interval.
public struct AuditHeartbeat: Service {
    private let state: ServerState
    private let interval: Duration
    private let logger: Logger

    /// A heartbeat every `interval`.
    public init(state: ServerState, interval: Duration, logger: Logger) {
        self.state = state
        self.interval = interval
        self.logger = logger
    }

    public func run() async throws {
        await runPeriodically(every: interval, startingNow: false) { await self.beat() }
    }

    /// Writes one heartbeat record.
    public func beat() async {
        let now = state.clock()
        do {
            try await state.store.recordDaemonEvent("daemon.heartbeat", detail: [
                "uptimeSeconds": .number((now.timeIntervalSince(state.startedAt) * 1000).rounded() / 1000),
                "intervalSeconds": .number(Double(interval.components.seconds) + Double(interval.components.attoseconds) / 1e18),
            ], now: now)
        } catch {
            logger.error("could not write the audit heartbeat; retrying at the next one", metadata: ["infusion.error": "\(error)"])
        }
    }
}
