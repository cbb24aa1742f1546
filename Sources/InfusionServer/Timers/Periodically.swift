import ServiceLifecycle

/// Runs `work` every `interval` until graceful shutdown (first at once when `startingNow`, else after one
/// interval): the loop every timer service of the daemon shares, so each ends promptly on SIGTERM.
func runPeriodically(every interval: Duration, startingNow: Bool, _ work: @escaping @Sendable () async -> Void) async {
    await cancelWhenGracefulShutdown {
        if startingNow { await work() }
        while !Task.isCancelled {
            do { try await Task.sleep(for: interval) } catch { return }
            await work()
        }
    }
}
