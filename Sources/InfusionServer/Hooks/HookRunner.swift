import Foundation
import InfusionCore
import InfusionStore
import Logging
import ServiceLifecycle
#if canImport(Glibc)
import Glibc
#endif

/// Calls the configured hook commands (`hooks.onAlert`, `hooks.onStop`) for every alert event and every stop or
/// pause, after the change has committed, one run at a time in the order the changes happened. Runs in its own
/// task, so no request ever waits for a hook; a failing hook is logged and audited (`hook.fail`). Ends on graceful
/// shutdown, killing a hook still running.
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
        guard hooks.onAlert != nil || hooks.onStop != nil else {
            try? await gracefulShutdown()
            return
        }
        // A hook that exits without reading its input must not take the daemon down with SIGPIPE.
        signal(SIGPIPE, SIG_IGN)
        let startAlerts = try await state.store.latestAlertEventId()
        let startAudit = try await state.store.latestAuditSeq()
        let (wakeups, wake) = AsyncStream<Void>.makeStream(bufferingPolicy: .bufferingNewest(1))
        let subscription = state.alertBus.subscribe(heartbeat: false)
        let stops = hooks.onStop == nil ? nil : state.store.observeCommits(to: ["audit_records"]) { wake.yield() }
        let forward = Task {
            for await _ in subscription.signals { wake.yield() }
            wake.finish()
        }
        defer {
            forward.cancel()
            subscription.cancel()
            stops?.cancel()
        }
        await cancelWhenGracefulShutdown {
            var alertCursor = startAlerts
            var auditCursor = startAudit
            for await _ in wakeups {
                await self.deliver(alertsAfter: &alertCursor, stopsAfter: &auditCursor)
            }
        }
    }

    /// Runs the hooks for everything committed after the cursors and moves the cursors on.
    func deliver(alertsAfter alertCursor: inout Int64, stopsAfter auditCursor: inout Int64) async {
        do {
            if let command = hooks.onAlert {
                while !Task.isCancelled {
                    let events = try await state.store.alertEvents(after: alertCursor, limit: 256)
                    for event in events where !Task.isCancelled {
                        await call("onAlert", command, payload: event, about: ["alertEventId": .number(Double(event.id)), "alertId": .number(Double(event.alert.id))])
                        alertCursor = event.id
                    }
                    if events.count < 256 { break }
                }
            }
            if let command = hooks.onStop {
                while !Task.isCancelled {
                    let (records, last) = try await state.store.stopsAndPauses(afterSeq: auditCursor)
                    for entry in records where !Task.isCancelled {
                        let record = entry.record
                        guard case .object(let detail) = record.detail else { continue }
                        let to = detail["to"]?.stringValue ?? "?"
                        let event = SessionStopHookEvent(
                            kind: "session.\(to)", auditSeq: record.seq, at: record.time, sessionId: record.entity?.id,
                            patientId: record.entity?.patientId, from: detail["from"]?.stringValue ?? "?", to: to,
                            by: record.actor.person)
                        await call("onStop", command, payload: event, about: ["auditSeq": .number(Double(record.seq))])
                    }
                    if Task.isCancelled { break }
                    let done = last == auditCursor
                    auditCursor = last
                    if done { break }
                }
            }
        } catch {
            logger.error("hooks could not read what changed; trying again at the next change", metadata: ["infusion.error": "\(error)"])
        }
    }

    private func call(_ hook: String, _ command: [String], payload: some Encodable, about: [String: JSONValue]) async {
        let input: Data
        do {
            input = try WireJSON.encode(payload) + Data("\n".utf8)
        } catch {
            logger.error("hook payload could not be encoded", metadata: ["infusion.hook": "\(hook)", "infusion.error": "\(error)"])
            return
        }
        let outcome = await HookCommand.run(command, input: input, timeout: hooks.resolvedTimeout)
        guard !outcome.succeeded else {
            logger.debug("hook ran", metadata: ["infusion.hook": "\(hook)"])
            return
        }
        logger.error("hook failed", metadata: ["infusion.hook": "\(hook)", "infusion.hook.program": "\(command[0])", "infusion.hook.result": "\(outcome)"])
        do {
            try await state.store.recordHookFailure(hook: hook, program: command[0], about: .object(about),
                                                    outcome: outcome.description, now: state.clock())
        } catch {
            logger.error("could not audit a failed hook", metadata: ["infusion.error": "\(error)"])
        }
    }
}
