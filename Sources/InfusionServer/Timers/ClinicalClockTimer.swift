import Foundation
import InfusionCore
import InfusionStore
import Logging
import ServiceLifecycle

/// Re-checks the rules that change with time alone (cumulative dose L16, duration L17, predicted level L14) for
/// every running or paused session, as a `Service` that ends on graceful shutdown, so a dose cap stops delivery when
/// it is reached rather than at the next observation.
///
/// Each tick runs the clinical step on every open session's committed snapshot in memory; only when the step
/// finds something new (a new alert, a higher priority, a pause or a stop) does the store run it again inside its
/// write transaction, on the snapshot as it then stands, and record a `system` event.
public struct ClinicalClockTimer: Service {
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

    /// One look at every delivering session; returns the events it recorded.
    @discardableResult
    public func tick() async -> [EventResponse] {
        await SessionChecks.run(.clock, state: state, logger: logger) { .clockTick(eventId: UUID()) }
    }
}

/// The look the clinical clock and the schedule timer take at every open session: the step on the committed
/// snapshot first, and a recorded step only when that finds something new.
enum SessionChecks {
    enum Kind: String {
        case clock = "clock rule fired"
        case schedule = "schedule rule fired"
    }

    static func run(_ kind: Kind, state: ServerState, logger: Logger, trigger: () -> StepTrigger) async -> [EventResponse] {
        let now = state.clock()
        let ruleSet = state.ruleSet
        let snapshots: [SessionSnapshot]
        do {
            snapshots = try await state.store.openSnapshots()
        } catch {
            logger.error("session checks could not read the open sessions; retrying at the next tick", metadata: ["infusion.error": "\(error)"])
            return []
        }
        var recorded: [EventResponse] = []
        for snapshot in snapshots {
            let id = snapshot.session.id
            do {
                let profile = ruleSet.profiles[snapshot.session.drug]
                guard try SessionStep.run(trigger(), snapshot: snapshot, profile: profile, ruleSetHash: ruleSet.hash, actor: .daemon,
                                          now: now) != nil,
                      let response = try await state.store.commit(trigger(), on: .session(id), ruleSet: ruleSet, actor: .daemon, now: now, body: nil, retryOf: nil)?.response
                else { continue }
                recorded.append(response)
                for decision in response.decisions {
                    logger.notice("\(kind.rawValue)", metadata: [
                        "infusion.session.id": "\(id)", "infusion.rule": "\(decision.ruleId)",
                        "infusion.action": "\(decision.action.rawValue)", "infusion.priority": "\(decision.priority.rawValue)",
                    ])
                }
            } catch {
                logger.error("session check failed; retrying at the next tick", metadata: [
                    "infusion.session.id": "\(id)", "infusion.error": "\(error)",
                ])
            }
        }
        return recorded
    }
}
