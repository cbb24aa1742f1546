import Foundation
import InfusionCore
import InfusionStore
import Logging
#if canImport(Glibc)
import Glibc
#endif

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

    /// Where the start stands against the audit witness, and what an operator asked for.
    public struct WitnessCheck: Sendable {
        /// The witness file (`<stateDirectory>/audit-witness.checkpoint`).
        public var path: String
        /// `--confirm-restore`: continue on a database whose trail is behind (or beside) the witness, recording
        /// `audit.forkConfirmed`, instead of refusing.
        public var confirmRestore: Bool

        public init(path: String, confirmRestore: Bool) {
            self.path = path
            self.confirmRestore = confirmRestore
        }
    }

    /// Run before the `daemon.start` record: brings the Merkle tree up to date; compares the trail with the
    /// audit witness and refuses (``AuditForkError``, after recording `audit.forkDetected`) a database that does
    /// not continue the trail the key last signed, unless the operator confirmed it; and when the last lifecycle
    /// record is a start or heartbeat with no stop (and no restore) after it, writes `daemon.uncleanStop`.
    public static func beforeStart(state: ServerState, witness: WitnessCheck? = nil, logger: Logger) async throws -> StartFacts {
        let hashed = try await state.store.prepareAuditTree()
        if hashed > 0 {
            logger.notice("audit Merkle tree brought up to date", metadata: ["infusion.audit.records": "\(hashed)"])
        }
        try await flushDeferredReads(state: state, logger: logger)
        if let witness, let signer = state.auditSigner {
            try await checkWitness(witness, signer: signer, state: state, logger: logger)
        }
        let checkpoint = try await state.store.latestCheckpoint()
        let lastCheckpoint: JSONValue = checkpoint.map {
            ["id": .number(Double($0.id)), "treeSize": .number(Double($0.treeSize)), "rootHash": .string($0.rootHash),
             "createdAt": .string($0.createdAt), "reason": .string($0.reason)]
        } ?? .null
        guard let last = try await state.store.lastRunBoundary() else {
            return StartFacts(lastCheckpoint: lastCheckpoint, previousStop: "first")
        }
        switch last.record.action {
        case "daemon.stop":
            return StartFacts(lastCheckpoint: lastCheckpoint, previousStop: "clean")
        case "database.restore", "audit.forkConfirmed":
            // The run before the backup was taken did not stop in this trail; the restore record says why.
            return StartFacts(lastCheckpoint: lastCheckpoint, previousStop: "restored")
        default:
            break
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

    /// Compares the database's trail with the witness; refuses a fork unless confirmed, and after a confirmed one
    /// signs a checkpoint of the continuing trail and makes it the witness at once.
    static func checkWitness(_ witness: WitnessCheck, signer: NoteSigner, state: ServerState, logger: Logger) async throws {
        let note: String?
        do {
            note = try AuditWitness.read(path: witness.path)
        } catch {
            note = "(unreadable: \(error))"
        }
        let finding = try await state.store.auditWitnessFinding(note: note, verifier: signer.verifier)
        guard finding.isFork else { return }
        guard witness.confirmRestore else {
            try await state.store.recordForkDetected(finding, note: note, witnessPath: witness.path, now: state.clock())
            logger.critical("the database does not continue the signed audit trail; refusing to start", metadata: [
                "infusion.audit.finding": "\(finding.name)", "infusion.audit.witness": "\(witness.path)",
            ])
            throw AuditForkError(description: """
                \(finding.explanation) (audit witness \(witness.path)). Recorded as audit.forkDetected. \
                If this database was restored or replaced on purpose (infusiond restore), start the daemon once with \
                `infusiond serve --confirm-restore` to continue on it; the confirmation is recorded as audit.forkConfirmed \
                and `infusionctl audit verify` reports the fork. Otherwise keep every file as it is and find out what \
                happened to the database first.
                """)
        }
        let operatorActor = AuditActor(person: "infusiond serve --confirm-restore", role: "admin", uid: getuid(), pid: getpid())
        let checkpoint = try await state.store.recordForkConfirmed(
            finding, note: note, witnessPath: witness.path, confirmedBy: operatorActor, signer: signer, now: state.clock())
        try AuditWitness.write(note: checkpoint.note, path: witness.path)
        logger.warning("continuing on a database that does not extend the signed audit trail, as confirmed; recorded as audit.forkConfirmed", metadata: [
            "infusion.audit.finding": "\(finding.name)", "infusion.audit.treeSize": "\(checkpoint.treeSize)",
        ])
    }

    /// Run after the `daemon.stop` record: signs a checkpoint that covers it and makes it the witness. Failures
    /// are logged, not thrown, so shutdown always completes.
    public static func afterStop(state: ServerState, witnessPath: String? = nil, logger: Logger) async {
        guard let signer = state.auditSigner else { return }
        do {
            let checkpoint = try await state.store.makeCheckpoint(signer: signer, reason: "shutdown", now: state.clock())
            if let checkpoint, let witnessPath { try AuditWitness.write(note: checkpoint.note, path: witnessPath) }
            logger.info("audit checkpoint signed at shutdown", metadata: ["infusion.audit.treeSize": "\(checkpoint?.treeSize ?? 0)"])
        } catch {
            logger.error("could not sign the shutdown audit checkpoint", metadata: ["infusion.error": "\(error)"])
        }
    }
}

/// A start refused because the database's audit trail is not the one the audit witness vouches for.
public struct AuditForkError: Error, CustomStringConvertible, Sendable {
    public var description: String

    public init(description: String) {
        self.description = description
    }
}
