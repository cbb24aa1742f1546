import Foundation
import InfusionCore

/// The audit trail as the daemon needs it from a storage engine: appending the records that are not clinical steps
/// (refusals, reads, daemon events), the Merkle tree, signed checkpoints and proofs, the witness, and export.
/// Clinical steps append their own audit records inside ``ClinicalRecordStore/commit(_:on:ruleSet:actor:now:body:retryOf:)``.
public protocol AuditTrailStore: Sendable {
    func recordRefusal(_ problem: Problem, method: String, path: String, actor: AuditActor, now: Date) async throws
    func recordDaemonEvent(_ action: String, detail: JSONValue, now: Date) async throws -> AuditEntry
    func recordRead(_ action: String, actor: AuditActor, entity: AuditEntity?, detail: JSONValue, now: Date) async throws
    func auditPage(after: Int64, limit: Int) async throws -> AuditPage
    func verifyAudit() async throws -> AuditVerification
    func verifyAudit(trustedKey: NoteVerifier?) async throws -> AuditVerification
    func prepareAuditTree() async throws -> UInt64
    func makeCheckpoint(signer: NoteSigner, reason: String, onlyIfGrown: Bool, now: Date) async throws -> AuditCheckpoint?
    func latestCheckpoint() async throws -> AuditCheckpoint?
    func consistencyProof(size1: Int64, size2: Int64) async throws -> AuditConsistencyProof
    func inclusionProof(seq: Int64, treeSize: Int64) async throws -> AuditInclusionProof
    func lastLifecycleRecord() async throws -> AuditEntry?
    func lastRunBoundary() async throws -> AuditEntry?
    func auditWitnessFinding(note: String?, verifier: NoteVerifier) async throws -> AuditWitness.Finding
    func recordForkDetected(_ finding: AuditWitness.Finding, note: String?, witnessPath: String, now: Date) async throws -> Bool
    func recordForkConfirmed(
        _ finding: AuditWitness.Finding, note: String?, witnessPath: String, confirmedBy: AuditActor, signer: NoteSigner, now: Date
    ) async throws -> AuditCheckpoint
    func resolveStoreEpoch() async throws -> (epoch: String, new: Bool)
    func beginExport(
        format: AuditExportFormat, from: AuditBound?, to: AuditBound?, actor: AuditActor, signer: NoteSigner, now: Date
    ) async throws -> AuditExportPlan
    func storedAuditRecords(from fromSeq: Int64, through toSeq: Int64, limit: Int) async throws -> [StoredAuditRecord]
}

/// The hook outbox: notices queued in the transactions that caused them, handed to the hook runner until delivered.
public protocol HookOutboxStore: Sendable {
    func nextHookNotice(hook: HookName) async throws -> HookNotice?
    func pendingHookNotices() async throws -> [HookNotice]
    func recordHookDelivery(_ notice: HookNotice, attempt: Int, program: String, now: Date) async throws
    func recordHookRetry(_ notice: HookNotice, attempt: Int, program: String, result: String, retryIn: Duration, now: Date) async throws
    func recordHookGiveUp(_ notice: HookNotice, attempt: Int, program: String, result: String, now: Date) async throws
}

/// The rule sets the daemon ran with, by hash, for replay and for the audit trail.
public protocol RuleSetStore: Sendable {
    func recordRuleSetLoad(_ ruleSet: RuleSet, reason: ClinicalStore.RuleSetLoadReason, now: Date) async throws
    func ruleSetSources(hash: String) async throws -> [ProfileSource]?
    func ruleSetLoads() async throws -> [(hash: String, at: Date)]
    func recordReload(_ result: ReloadResult, ruleSet: RuleSet?, trigger: String, actor: AuditActor, now: Date) async throws
}

/// What the daemon asks of the engine itself: whether it takes writes, refusing them after damage, a probe for
/// health, a backup, and a call when records change.
public protocol StoreEngineControl: Sendable {
    /// Why writes are refused, or nil while they are taken.
    var writeRefusal: WritesRefused? { get }
    /// Refuses every later write with `refusal` (the database was found damaged).
    func refuseWrites(_ refusal: WritesRefused)
    /// Records that the record was found damaged and closes it to writes, in the engine's own way.
    func closeWrites(for damage: DatabaseDamagedError, checkDuration: Duration, now: Date) async throws -> AuditEntry
    /// A write that proves the engine takes writes now.
    func probeWriter() async throws
    /// A consistent copy of the record at `path`.
    func backup(to path: String, actor: AuditActor, now: Date) async throws -> BackupSummary
    /// Calls `onCommit` after each commit that changed one of `tables`.
    func observeCommits(to tables: [String], onCommit: @escaping @Sendable () -> Void) -> CommitObservation
}

/// Everything the daemon needs from a storage engine. ``ClinicalStore`` (SQLite through GRDB) is the engine today;
/// its public surface is these requirements and the handle on its database file (``ClinicalStore/database``), which
/// only the SQLite-specific parts of the daemon use (integrity check, restore, replication hand-over).
public typealias InfusionRecordStore = ClinicalRecordStore & AuditTrailStore & HookOutboxStore & RuleSetStore & StoreEngineControl

extension ClinicalStore: AuditTrailStore, HookOutboxStore, RuleSetStore, StoreEngineControl {
    public var writeRefusal: WritesRefused? { committer.refusal }

    public func refuseWrites(_ refusal: WritesRefused) { committer.refuseWrites(refusal) }
}
