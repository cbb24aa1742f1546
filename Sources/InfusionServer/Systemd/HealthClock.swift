import Synchronization

/// When the database last answered a health probe; shared between the probe loop and the ping loop.
final class HealthClock: Sendable {
    private let last = Mutex<ContinuousClock.Instant?>(nil)

    /// Records a successful probe sent at `askedAt`: the database was known to answer as of then, not as of when
    /// a busy machine got round to resuming the caller, so a late answer cannot vouch for a writer stuck since.
    func mark(askedAt: ContinuousClock.Instant) {
        last.withLock { last in last = max(last ?? askedAt, askedAt) }
    }

    /// Whether a probe succeeded no longer than `limit` ago.
    func isWithin(_ limit: Duration) -> Bool {
        last.withLock { instant in instant.map { ContinuousClock.now - $0 <= limit } ?? false }
    }
}
