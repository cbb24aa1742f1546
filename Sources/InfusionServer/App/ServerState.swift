import Foundation
import InfusionCore
import InfusionStore
import Synchronization

/// What every route shares: the store, the rules in force, the clock and the daemon's identity.
public final class ServerState: Sendable {
    public let store: ClinicalStore
    public let version: String
    public let startedAt: Date
    public let maxBodyBytes: Int
    public let clock: @Sendable () -> Date
    /// Who may call which route; refuses connections without peer credentials unless a test says otherwise.
    public let access: AccessPolicy
    /// The Prometheus metrics behind `GET /metrics`.
    public let metrics: DaemonMetrics
    /// systemd notifications (`READY=1`, `RELOADING=1`, …); does nothing when not run by systemd. A SIGHUP reload
    /// wraps its work in `systemd.reloading { … }`.
    public let systemd: SystemdNotifier
    /// Whether writes are failing for lack of space or an I/O error (the health view says `degraded`).
    public let storage = StorageMonitor()
    /// The continuous replica as last checked (empty when no replicator is configured).
    public let replication = ReplicationBoard()
    /// The background integrity check's verdict and its `database.integrity` system alert.
    public let integrity = IntegrityBoard()
    /// The store epoch this run serves, resolved at start; it changes on every restore.
    public let storeEpoch = CurrentStoreEpoch()
    /// Read-audit records waiting for storage to accept writes again.
    public let deferredReads: DeferredReadAudit
    /// Wakes alert-stream clients, hooks and tests after alert events commit.
    public let alertBus: AlertEventBus
    /// The folder the profiles are (re)loaded from; nil for the built-in profiles.
    public let profilesDirectory: String?
    /// The key that signs audit checkpoints; nil only in tests that do not export (the routes then answer 503).
    public let auditSigner: NoteSigner?
    private let rules: Mutex<RuleSet>

    public init(store: ClinicalStore, ruleSet: RuleSet, version: String, maxBodyBytes: Int = 64 * 1024,
                access: AccessPolicy = AccessPolicy(), metrics: DaemonMetrics = DaemonMetrics(),
                systemd: SystemdNotifier = SystemdNotifier(environment: [:]), alertStreamHeartbeat: Duration = .seconds(15),
                profilesDirectory: String? = nil, auditSigner: NoteSigner? = nil,
                clock: @escaping @Sendable () -> Date = { WireJSON.truncatedToMilliseconds(Date()) }) {
        self.store = store
        self.deferredReads = DeferredReadAudit(spoolPath: DeferredReadAudit.spoolPath(besides: store.database.path))
        self.alertBus = AlertEventBus(store: store, heartbeatInterval: alertStreamHeartbeat)
        self.profilesDirectory = profilesDirectory
        self.auditSigner = auditSigner
        self.access = access
        self.metrics = metrics
        self.systemd = systemd
        self.rules = Mutex(ruleSet)
        self.version = version
        self.maxBodyBytes = maxBodyBytes
        self.clock = clock
        self.startedAt = clock()
    }

    /// The rule set in force now.
    public var ruleSet: RuleSet { rules.withLock { $0 } }

    /// Replaces the rule set (reload).
    public func replaceRuleSet(_ ruleSet: RuleSet) { rules.withLock { $0 = ruleSet } }
}
