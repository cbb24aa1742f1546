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
    private let rules: Mutex<RuleSet>

    public init(store: ClinicalStore, ruleSet: RuleSet, version: String, maxBodyBytes: Int = 64 * 1024,
                clock: @escaping @Sendable () -> Date = { WireJSON.truncatedToMilliseconds(Date()) }) {
        self.store = store
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
