import Foundation
import InfusionCore
import InfusionStore
import Logging
import ServiceLifecycle

/// Escalates alerts nobody acknowledges and re-sounds acknowledged high alerts that stay unresolved (CLINICAL §7),
/// on the timers of each session's profile, as a `Service` that ends on graceful shutdown.
public struct EscalationTimer: Service {
    private let state: ServerState
    private let interval: Duration
    private let logger: Logger

    /// A timer that looks every `interval`.
    public init(state: ServerState, interval: Duration, logger: Logger) {
        self.state = state
        self.interval = interval
        self.logger = logger
    }

    public func run() async throws {
        await runPeriodically(every: interval, startingNow: true) { _ = await self.tick() }
    }

    /// One look at every unresolved alert, oldest first; returns the alerts it escalated.
    @discardableResult
    public func tick() async -> [Alert] {
        let now = state.clock()
        let ruleSet = state.ruleSet
        do {
            var due: [(alertId: Int64, sessionId: UUID)] = []
            for snapshot in try await state.store.openSnapshots() {
                let profile = ruleSet.profiles[snapshot.session.drug]
                for tracked in snapshot.alerts where try SessionStep.run(
                    .escalationTick(alertId: tracked.alert.id), snapshot: snapshot, profile: profile, ruleSetHash: ruleSet.hash,
                    actor: .daemon, now: now) != nil {
                    due.append((tracked.alert.id, snapshot.session.id))
                }
            }
            var escalated: [Alert] = []
            for (alertId, _) in due.sorted(by: { $0.alertId < $1.alertId }) {
                guard let updated = try await state.store.escalate(alertId: alertId, profiles: ruleSet, now: now) else { continue }
                escalated.append(updated)
                logger.notice("alert escalated", metadata: [
                    "infusion.alert.id": "\(updated.id)", "infusion.session.id": "\(updated.sessionId)",
                    "infusion.priority": "\(updated.priority.rawValue)", "infusion.alert.level": "\(updated.escalationLevel)",
                    "infusion.alert.routing": "\(AlertPolicy.routing(updated))",
                ])
            }
            return escalated
        } catch {
            logger.error("escalation check failed; retrying at the next tick", metadata: ["infusion.error": "\(error)"])
            return []
        }
    }
}
