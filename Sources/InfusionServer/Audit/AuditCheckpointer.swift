import Foundation
import InfusionCore
import InfusionStore
import Logging
import ServiceLifecycle

/// Signs a checkpoint of the audit trail at start and then every interval when records were added, as a
/// `Service` that ends on graceful shutdown (the shutdown checkpoint follows the stop record).
public struct AuditCheckpointer: Service {
    private let state: ServerState
    private let interval: Duration
    private let logger: Logger
    /// The audit witness file each new checkpoint replaces; nil in tests that keep none.
    private let witnessPath: String?

    /// A checkpointer that looks every `interval` and keeps the witness at `witnessPath` current.
    public init(state: ServerState, interval: Duration, witnessPath: String? = nil, logger: Logger) {
        self.state = state
        self.interval = interval
        self.witnessPath = witnessPath
        self.logger = logger
    }

    public func run() async throws {
        await checkpoint(reason: "start", onlyIfGrown: false)
        await runPeriodically(every: interval, startingNow: false) { await self.checkpoint(reason: "periodic", onlyIfGrown: true) }
    }

    /// Signs and stores one checkpoint; with `onlyIfGrown`, only when records were added since the last one.
    @discardableResult
    public func checkpoint(reason: String, onlyIfGrown: Bool) async -> AuditCheckpoint? {
        guard let signer = state.auditSigner else { return nil }
        do {
            let checkpoint = try await state.store.makeCheckpoint(signer: signer, reason: reason, onlyIfGrown: onlyIfGrown, now: state.clock())
            if let checkpoint {
                // Checkpoints of one run only grow, so the newest is the highest the key signed.
                if let witnessPath { try AuditWitness.write(note: checkpoint.note, path: witnessPath) }
                logger.debug("audit checkpoint signed", metadata: ["infusion.audit.treeSize": "\(checkpoint.treeSize)", "infusion.audit.reason": "\(reason)"])
            }
            return checkpoint
        } catch {
            logger.error("could not sign an audit checkpoint; retrying at the next interval", metadata: ["infusion.error": "\(error)"])
            return nil
        }
    }
}
