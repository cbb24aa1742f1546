import Foundation
import InfusionCore
import InfusionStore
import Logging
import ServiceLifecycle
import UnixSignals

/// Reloads the drug profiles on SIGHUP (or `POST /v1/admin/reload`): new rules come into force at once and their
/// hash is audited; files that do not load are refused with the reason logged and audited, and the rules in force
/// stay. A `Service` that ends on graceful shutdown.
public struct ProfileReloader: Service {
    private let state: ServerState
    private let directory: String?
    private let logger: Logger

    /// A reloader for the profiles in `directory` (the built-in ones when nil).
    public init(state: ServerState, directory: String?, logger: Logger) {
        self.state = state
        self.directory = directory
        self.logger = logger
    }

    public func run() async throws {
        let signals = await UnixSignalsSequence(trapping: .sighup)
        await cancelWhenGracefulShutdown {
            for await _ in signals {
                _ = await Self.reload(state: self.state, directory: self.directory, trigger: "SIGHUP", actor: .daemon, logger: self.logger)
            }
        }
    }

    /// Loads the profiles again and puts them in force if they load; never throws (a failure is the answer).
    public static func reload(state: ServerState, directory: String?, trigger: String, actor: AuditActor, logger: Logger) async -> ReloadResult {
        await state.systemd.reloading {
            let previous = state.ruleSet
            let result: ReloadResult
            var loaded: RuleSet?
            do {
                let ruleSet = try ProfileLoader.load(directory: directory)
                loaded = ruleSet
                if ruleSet.hash == previous.hash {
                    result = ReloadResult(outcome: .unchanged, previousHash: previous.hash, ruleSetHash: previous.hash)
                } else {
                    result = ReloadResult(outcome: .reloaded, previousHash: previous.hash, ruleSetHash: ruleSet.hash)
                }
            } catch {
                result = ReloadResult(outcome: .refused, previousHash: previous.hash, ruleSetHash: previous.hash, problem: "\(error)")
            }
            do {
                // Audited (and the new texts stored) before the rules change, so no decision names a hash the
                // database cannot replay.
                try await state.store.recordReload(result, ruleSet: loaded, trigger: trigger, actor: actor, now: state.clock())
            } catch {
                logger.error("could not record the profile reload; keeping the rules in force", metadata: ["infusion.error": "\(error)"])
                return ReloadResult(outcome: .refused, previousHash: previous.hash, ruleSetHash: previous.hash,
                                    problem: "the reload could not be recorded: \(error)")
            }
            switch result.outcome {
            case .reloaded:
                if let loaded { state.replaceRuleSet(loaded) }
                logger.notice("profiles reloaded", metadata: ["infusion.ruleset.previous": "\(previous.hash)", "infusion.ruleset": "\(result.ruleSetHash)", "infusion.trigger": "\(trigger)"])
            case .unchanged:
                logger.info("profiles reloaded; rules unchanged", metadata: ["infusion.ruleset": "\(result.ruleSetHash)", "infusion.trigger": "\(trigger)"])
            case .refused:
                logger.error("profile reload refused; the previous rules stay in force", metadata: [
                    "infusion.ruleset": "\(previous.hash)", "infusion.problem": "\(result.problem ?? "?")", "infusion.trigger": "\(trigger)",
                ])
            }
            return result
        }
    }
}
