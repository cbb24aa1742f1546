import Foundation
import InfusionCore
import InfusionStore
import Logging
import ServiceLifecycle

/// Delivers the hook outbox to the configured hook commands (`hooks.onAlert`, `hooks.onStop`).
///
/// Each configured hook has a task of its own that takes its notices in order: a run that exits 0 is a delivery
/// (`hook.deliver`); a failed run is retried after a growing wait (`hook.retry`) until `hooks.maxAttempts` runs,
/// then given up (`hook.giveUp`) so later notices are not held back for ever. Every step is audited and the notice
/// leaves the outbox in the same transaction as its `hook.deliver` or `hook.giveUp`, so a notice pending at SIGTERM,
/// SIGKILL or a crash is delivered after the restart, with the same delivery id. No request ever waits for a hook,
/// and a slow `onAlert` never delays an `onStop`. Ends on graceful shutdown, killing a hook still running (that
/// run does not count as an attempt).
public struct HookRunner: Service {
    private let state: ServerState
    private let hooks: HookConfiguration
    private let logger: Logger

    /// A runner for the configured hooks.
    public init(state: ServerState, hooks: HookConfiguration, logger: Logger) {
        self.state = state
        self.hooks = hooks
        self.logger = logger
    }

    public func run() async throws {
        let configured = hooks.configured
        guard !configured.isEmpty else {
            try? await gracefulShutdown()
            return
        }
        await cancelWhenGracefulShutdown {
            await withTaskGroup(of: Void.self) { group in
                for (name, command) in configured {
                    group.addTask { await self.deliverForever(name, command) }
                }
            }
        }
    }

    /// Delivers `hook`'s notices as they are queued, starting with any left from before a restart, until cancelled.
    func deliverForever(_ hook: HookName, _ command: [String]) async {
        let (wakeups, wake) = AsyncStream<Void>.makeStream(bufferingPolicy: .bufferingNewest(1))
        // Watching starts before the first look, so a notice queued in between is not missed.
        let observation = state.store.observeCommits(to: ["hook_outbox"]) { wake.yield() }
        defer { observation.cancel() }
        wake.yield()
        for await _ in wakeups {
            await deliverPending(hook, command)
        }
    }

    /// Delivers every notice `hook` has pending, oldest first; returns when there is none left or on cancellation.
    func deliverPending(_ hook: HookName, _ command: [String]) async {
        while !Task.isCancelled {
            do {
                guard let notice = try await state.store.nextHookNotice(hook: hook) else { return }
                try await deliver(notice, command)
            } catch is CancellationError {
                return
            } catch let refused as WritesRefused {
                // A damaged database takes no delivery record: retrying would run the hook again every second for
                // the same notice. The notices still queued wait for the restore (the system alert goes directly).
                logger.error("hook delivery stops: the database takes no more records; queued notices wait for the restore",
                             metadata: ["infusion.hook": "\(hook.rawValue)", "infusion.error": "\(refused)"])
                return
            } catch {
                // The notice is still queued; the next wake-up (or this retry) delivers it.
                logger.error("hooks could not read or record a delivery; trying again shortly",
                             metadata: ["infusion.hook": "\(hook.rawValue)", "infusion.error": "\(error)"])
                do {
                    try await Task.sleep(for: hooks.retryDelay(afterAttempt: 1))
                } catch {
                    return
                }
            }
        }
    }

    /// Runs the hook for one notice until it is delivered or given up; throws CancellationError at shutdown,
    /// leaving the notice queued.
    func deliver(_ notice: HookNotice, _ command: [String]) async throws {
        let hook = notice.hook.rawValue
        let program = command[0]
        var attempt = notice.attempts
        while true {
            try Task.checkCancellation()
            attempt += 1
            let run = await HookCommand.execute(
                command, input: Data((notice.payload + "\n").utf8), timeout: hooks.resolvedTimeout,
                environment: ["INFUSIOND_HOOK": hook, "INFUSIOND_DELIVERY_ID": notice.deliveryId,
                              "INFUSIOND_DELIVERY_ATTEMPT": String(attempt)])
            let outcome = run.outcome
            let metadata: Logger.Metadata = [
                "infusion.hook": "\(hook)", "infusion.hook.deliveryId": "\(notice.deliveryId)", "infusion.hook.attempt": "\(attempt)",
                "infusion.hook.duration": "\(run.duration)",
            ]
            switch outcome {
            case .cancelled:
                throw CancellationError()
            case .succeeded:
                logger.debug("hook delivered", metadata: metadata)
                try await state.store.recordHookDelivery(notice, attempt: attempt, program: program, now: state.clock())
                return
            default:
                break
            }
            var failed = metadata
            failed["infusion.hook.program"] = "\(program)"
            failed["infusion.hook.result"] = "\(outcome)"
            if attempt >= hooks.resolvedMaxAttempts {
                logger.error("hook failed; giving up on this notice", metadata: failed)
                try await state.store.recordHookGiveUp(notice, attempt: attempt, program: program, result: outcome.description, now: state.clock())
                return
            }
            let delay = hooks.retryDelay(afterAttempt: attempt)
            failed["infusion.hook.retryIn"] = "\(delay)"
            logger.error("hook failed; will retry", metadata: failed)
            try await state.store.recordHookRetry(notice, attempt: attempt, program: program, result: outcome.description,
                                                  retryIn: delay, now: state.clock())
            try await Task.sleep(for: delay)
        }
    }
}
