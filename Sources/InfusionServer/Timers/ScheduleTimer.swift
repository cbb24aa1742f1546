import Foundation
import InfusionCore
import InfusionStore
import Logging
import ServiceLifecycle

/// Raises overdue-observation (L20) and stale-feed (L21) alerts on time, as a `Service` that ends on graceful
/// shutdown.
///
/// Every tick runs the clinical step on every open session's committed snapshot; its first tick runs at once, so
/// sessions that became overdue while the daemon was down are caught right after a restart. When the step finds
/// something not yet done (a new alert, a higher priority, a pause), the store runs it again inside its write
/// transaction and records a `timer` event with the decisions.
public struct ScheduleTimer: Service {
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

    /// One look at every open session; returns the timer events it recorded.
    @discardableResult
    public func tick() async -> [EventResponse] {
        await SessionChecks.run(.schedule, state: state, logger: logger) { .scheduleTick(eventId: UUID()) }
    }
}
