import Synchronization

/// When the database last answered a health probe; shared between the probe loop and the ping loop.
final class HealthClock: Sendable {
    private let last = Mutex<ContinuousClock.Instant?>(nil)

    /// Records a successful probe now.
    func mark() { last.withLock { $0 = .now } }

    /// Whether a probe succeeded no longer than `limit` ago.
    func isWithin(_ limit: Duration) -> Bool {
        last.withLock { instant in instant.map { ContinuousClock.now - $0 <= limit } ?? false }
    }
}
