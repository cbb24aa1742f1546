import Foundation
import InfusionCore
import InfusionStore
import Logging
import ServiceLifecycle
import Synchronization

/// Re-checks the rules that change with time alone (cumulative dose L16, duration L17, predicted level L14) for
/// every running or paused session, as a `Service` that ends on graceful shutdown, so a dose cap stops delivery when
/// it is reached rather than at the next observation.
///
/// Each tick evaluates every session in memory from a cached history (reloaded only when a new event was recorded
/// for it); only when the rules ask for something new (a new alert, a higher priority, a pause or a stop) does the
/// store check again inside its write transaction and record a `system` event with the decisions.
public final class ClinicalClockTimer: Service, Sendable {
    private let state: ServerState
    private let interval: Duration
    private let logger: Logger
    private let cache = OpenSessionCache<SessionHistory>()

    /// A timer that looks every `interval`.
    public init(state: ServerState, interval: Duration, logger: Logger) {
        self.state = state
        self.interval = interval
        self.logger = logger
    }

    public func run() async throws {
        await runPeriodically(every: interval, startingNow: true) { _ = await self.tick() }
    }

    /// One look at every delivering session; returns the events it recorded.
    @discardableResult
    public func tick() async -> [EventResponse] {
        let now = state.clock()
        let ruleSet = state.ruleSet
        do {
            let open = try await state.store.openSessionSequences()
            let sessions = try await cache.refresh(open: open) { id, sequence, _ in
                let snapshot = try await self.state.store.ruleSnapshot(sessionId: id)
                return .init(sequence: sequence, session: snapshot.session, history: snapshot.history)
            }
            let delivering = sessions.filter { $0.session.state == .running || $0.session.state == .paused }
            guard !delivering.isEmpty else { return [] }
            let unresolved = try await state.store.unresolvedAlertsBySession()
            var recorded: [EventResponse] = []
            for cached in delivering {
                guard let profile = ruleSet.profiles[cached.session.drug] else { continue }
                let context = RuleContext(session: cached.session, at: now, history: cached.history,
                                          pharmacokinetics: profile.resolvedPharmacokinetics)
                let decisions = RuleEngine.evaluate(profile.rules, context: context)
                guard !decisions.isEmpty else { continue }
                let changes = AlertPolicy.changes(for: decisions, unresolved: unresolved[cached.session.id] ?? [])
                let stateChanges = SessionMachine.apply(decisions, to: cached.session).state != cached.session.state
                guard !changes.isEmpty || stateChanges else { continue }
                guard let response = try await state.store.recordClockCheck(sessionId: cached.session.id, ruleSet: ruleSet, now: now) else {
                    continue
                }
                recorded.append(response)
                for decision in response.decisions {
                    logger.notice("clock rule fired", metadata: [
                        "infusion.session.id": "\(cached.session.id)", "infusion.rule": "\(decision.ruleId)",
                        "infusion.action": "\(decision.action.rawValue)", "infusion.priority": "\(decision.priority.rawValue)",
                    ])
                }
            }
            return recorded
        } catch {
            logger.error("clinical clock check failed; retrying at the next tick", metadata: ["infusion.error": "\(error)"])
            return []
        }
    }
}
