import Foundation
import InfusionStore
import ServiceLifecycle
import Synchronization

/// The in-process alert event bus: wakes every subscriber after a commit that added alert events.
///
/// It carries only "something new was committed"; each subscriber reads the events after its own last id from the
/// `alert_events` table. So a slow subscriber never loses an event to a full buffer, and a wake-up cannot arrive
/// before the change is durable (the database announces commits only after they complete).
///
/// As a `Service` it ends every subscription on graceful shutdown, so open streams finish and SIGTERM is not held
/// up by connected clients.
public final class AlertEventBus: Service, Sendable {
    /// Why a subscriber was woken.
    public enum Signal: Sendable, Hashable {
        /// New alert events were committed.
        case changed
        /// The heartbeat interval passed.
        case heartbeat
    }

    /// One subscriber's wake-ups; iterate `signals` until it ends (shutdown or ``cancel()``).
    public final class Subscription: Sendable {
        /// Wake-ups, at most one pending: several commits while the subscriber is busy become one wake-up.
        public let signals: AsyncStream<Signal>
        let id: UUID
        private let bus: AlertEventBus
        private let heartbeat: Task<Void, Never>?

        init(bus: AlertEventBus, id: UUID, signals: AsyncStream<Signal>, heartbeat: Task<Void, Never>?) {
            self.bus = bus
            self.id = id
            self.signals = signals
            self.heartbeat = heartbeat
        }

        /// Ends this subscription's signals.
        public func cancel() {
            heartbeat?.cancel()
            bus.remove(id)
        }

        deinit { cancel() }
    }

    private struct State {
        var subscribers: [UUID: AsyncStream<Signal>.Continuation] = [:]
        var shutDown = false
    }

    private let state = Mutex(State())
    private let observation: Mutex<CommitObservation?> = Mutex(nil)
    /// How often an idle subscriber gets a heartbeat signal.
    public let heartbeatInterval: Duration

    /// A bus announcing commits to the store's `alert_events`.
    public init(store: ClinicalStore, heartbeatInterval: Duration = .seconds(15)) {
        self.heartbeatInterval = heartbeatInterval
        let observation = store.observeCommits(to: ["alert_events"]) { [weak self] in self?.publish(.changed) }
        self.observation.withLock { $0 = observation }
    }

    /// A new subscription; already finished when the daemon is shutting down.
    public func subscribe(heartbeat: Bool = true) -> Subscription {
        let (stream, continuation) = AsyncStream<Signal>.makeStream(bufferingPolicy: .bufferingNewest(1))
        let id = UUID()
        let accepted = state.withLock { state -> Bool in
            guard !state.shutDown else { return false }
            state.subscribers[id] = continuation
            return true
        }
        if !accepted { continuation.finish() }
        let interval = heartbeatInterval
        let ticker: Task<Void, Never>? = heartbeat && accepted ? Task {
            while !Task.isCancelled {
                do { try await Task.sleep(for: interval) } catch { return }
                continuation.yield(.heartbeat)
            }
        } : nil
        // A commit may have happened between the caller reading the table and subscribing; one wake-up at the start
        // makes the subscriber look again.
        continuation.yield(.changed)
        return Subscription(bus: self, id: id, signals: stream, heartbeat: ticker)
    }

    /// Wakes every subscriber.
    public func publish(_ signal: Signal = .changed) {
        let continuations = state.withLock { Array($0.subscribers.values) }
        for continuation in continuations { continuation.yield(signal) }
    }

    /// Ends every subscription and refuses new ones.
    public func shutDown() {
        let continuations = state.withLock { state -> [AsyncStream<Signal>.Continuation] in
            state.shutDown = true
            defer { state.subscribers.removeAll() }
            return Array(state.subscribers.values)
        }
        for continuation in continuations { continuation.finish() }
    }

    /// The number of open subscriptions, for metrics and tests.
    public var subscriberCount: Int { state.withLock { $0.subscribers.count } }

    fileprivate func remove(_ id: UUID) {
        let continuation = state.withLock { $0.subscribers.removeValue(forKey: id) }
        continuation?.finish()
    }

    /// Waits for graceful shutdown, then ends every subscription so open streams finish.
    public func run() async throws {
        try? await gracefulShutdown()
        shutDown()
        observation.withLock { $0?.cancel() }
    }
}
