import Foundation
import InfusionCore
import InfusionStore
import Logging

/// The audit trail's part in starting and stopping: the signing key, the Merkle tree's catch-up, evidence of an
/// unclean stop before this start, and the last checkpoint the start record names.
public enum AuditLifecycle {
    /// What the `daemon.start` record says about the trail before it.
    public struct StartFacts: Sendable {
        /// The last checkpoint made before this start (its size, root, time and reason), or null.
        public var lastCheckpoint: JSONValue
        /// `first` (no earlier run), `clean` (the last run recorded its stop) or `unclean`.
        public var previousStop: JSONValue
    }

    /// Loads the checkpoint signing key, creating it (mode 0600) on first start; logs its verifier key.
    public static func signingKey(configuration: DaemonConfiguration, logger: Logger) throws -> NoteSigner {
        let path = configuration.resolvedAuditSigningKeyPath
        let (signer, created) = try AuditSigningKey.loadOrCreate(path: path, name: AuditSigningKey.defaultName())
        logger.info(created ? "created the audit signing key" : "audit signing key loaded", metadata: [
            "infusion.audit.key": "\(path)", "infusion.audit.verifierKey": "\(signer.verifier.verifierKey)",
        ])
        return signer
    }

    /// Run before the `daemon.start` record: brings the Merkle tree up to date, and when the last lifecycle
    /// record is a start or heartbeat with no stop after it, writes `daemon.uncleanStop` saying so.
    public static func beforeStart(state: ServerState, logger: Logger) async throws -> StartFacts {
        let hashed = try await state.store.prepareAuditTree()
        if hashed > 0 {
            logger.notice("audit Merkle tree brought up to date", metadata: ["infusion.audit.records": "\(hashed)"])
        }
        try await flushDeferredReads(state: state, logger: logger)
        let checkpoint = try await state.store.latestCheckpoint()
        let lastCheckpoint: JSONValue = checkpoint.map {
            ["id": .number(Double($0.id)), "treeSize": .number(Double($0.treeSize)), "rootHash": .string($0.rootHash),
             "createdAt": .string($0.createdAt), "reason": .string($0.reason)]
        } ?? .null
        guard let last = try await state.store.lastLifecycleRecord() else {
            return StartFacts(lastCheckpoint: lastCheckpoint, previousStop: "first")
        }
        guard last.record.action != "daemon.stop" else {
            return StartFacts(lastCheckpoint: lastCheckpoint, previousStop: "clean")
        }
        let lastSeq = try await state.store.counts().auditRecords
        try await state.store.recordDaemonEvent("daemon.uncleanStop", detail: [
            "lastSignOfLife": ["seq": .number(Double(last.record.seq)), "action": .string(last.record.action), "time": .string(last.record.time)],
            "lastSeqBeforeRestart": .number(Double(lastSeq)),
            "explanation": "The previous run ended without a daemon.stop record (killed, crashed or the power failed). Records up to lastSeqBeforeRestart are what it committed; its last heartbeat or start is lastSignOfLife.",
        ], now: state.clock())
        logger.warning("the previous run stopped uncleanly; recorded in the audit trail", metadata: [
            "infusion.audit.lastSignOfLife": "\(last.record.action) \(last.record.time)",
        ])
        return StartFacts(lastCheckpoint: lastCheckpoint, previousStop: "unclean")
    }

    /// Writes the read-audit records a run that ended while the disk was full left in the spool, before anything
    /// else is recorded (issue 15 item 12h); says so when no spool could be reserved.
    static func flushDeferredReads(state: ServerState, logger: Logger) async throws {
        if let problem = state.deferredReads.spoolProblem {
            logger.warning("no spool for deferred read-audit records; reads will be refused while storage fails", metadata: ["infusion.error": "\(problem)"])
        }
        if state.deferredReads.count > 0 {
            await state.deferredReads.flush(to: state.store, now: state.clock(), logger: logger)
        }
    }

    /// Run after the `daemon.stop` record: signs a checkpoint that covers it. Failures are logged, not thrown,
    /// so shutdown always completes.
    public static func afterStop(state: ServerState, logger: Logger) async {
        guard let signer = state.auditSigner else { return }
        do {
            let checkpoint = try await state.store.makeCheckpoint(signer: signer, reason: "shutdown", now: state.clock())
            logger.info("audit checkpoint signed at shutdown", metadata: ["infusion.audit.treeSize": "\(checkpoint?.treeSize ?? 0)"])
        } catch {
            logger.error("could not sign the shutdown audit checkpoint", metadata: ["infusion.error": "\(error)"])
        }
    }
}
