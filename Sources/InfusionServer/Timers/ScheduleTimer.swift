import Foundation
import InfusionCore
import InfusionStore
import Logging
import ServiceLifecycle
import Synchronization

/// Raises overdue-observation (L20) and stale-feed (L21) alerts on time, as a `Service` that ends on graceful
/// shutdown.
///
/// Every tick it looks at every open session; its first tick runs at once, so sessions that became overdue while
/// the daemon was down are caught right after a restart. A session's history is reloaded only when a new event was
/// recorded for it. When the rules ask for something not yet done (a new alert, a higher priority, a pause), the
/// store checks again inside its write transaction and records a `timer` event with the decisions.
public final class ScheduleTimer: Service, Sendable {
    private let state: ServerState
    private let interval: Duration
    private let logger: Logger
    private let cache = OpenSessionCache<ScheduleHistory>()

    /// A timer that looks every `interval`.
    public init(state: ServerState, interval: Duration, logger: Logger) {
        self.state = state
        self.interval = interval
        self.logger = logger
    }

    public func run() async throws {
        await runPeriodically(every: interval, startingNow: true) { _ = await self.tick() }
    }

    /// One look at every open session; returns the timer events it recorded.
    @discardableResult
    public func tick() async -> [EventResponse] {
        let now = state.clock()
        let ruleSet = state.ruleSet
        do {
            let open = try await state.store.openSessionSequences()
            let sessions = try await cache.refresh(open: open) { id, sequence, known in
                // Only the events recorded since the last look are read and folded in.
                let previous = known.flatMap { $0.sequence < sequence ? $0 : nil }
                let snapshot = try await self.state.store.scheduleSnapshot(
                    sessionId: id, extending: previous?.history, afterSequence: previous?.sequence ?? 0)
                return .init(sequence: snapshot.sequence, session: snapshot.session, history: snapshot.history)
            }
            let unresolved = try await state.store.unresolvedAlertsBySession()
            var recorded: [EventResponse] = []
            for cached in sessions {
                guard let profile = ruleSet.profiles[cached.session.drug] else { continue }
                let decisions = ScheduleRules.timerDecisions(
                    session: cached.session, history: cached.history, spec: profile.resolvedSchedule, now: now)
                guard !decisions.isEmpty else { continue }
                let changes = AlertPolicy.changes(for: decisions, unresolved: unresolved[cached.session.id] ?? [])
                let stateChanges = SessionMachine.apply(decisions, to: cached.session).state != cached.session.state
                guard !changes.isEmpty || stateChanges else { continue }
                guard let response = try await state.store.recordScheduleCheck(sessionId: cached.session.id, ruleSet: ruleSet, now: now) else {
                    continue
                }
                recorded.append(response)
                for decision in response.decisions {
                    logger.notice("schedule rule fired", metadata: [
                        "infusion.session.id": "\(cached.session.id)", "infusion.rule": "\(decision.ruleId)",
                        "infusion.action": "\(decision.action.rawValue)", "infusion.priority": "\(decision.priority.rawValue)",
                    ])
                }
            }
            return recorded
        } catch {
            logger.error("schedule check failed; retrying at the next tick", metadata: ["infusion.error": "\(error)"])
            return []
        }
    }
}
