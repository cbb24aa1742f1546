/// The answer to a profile reload (SIGHUP or `POST /v1/admin/reload`).
public struct ReloadResult: Codable, Sendable, Hashable {
    /// How a reload ended.
    public enum Outcome: String, Codable, Sendable {
        /// New rules are in force.
        case reloaded
        /// The files hash to the rules already in force; nothing changed.
        case unchanged
        /// The files could not be used; the previous rules stay in force.
        case refused
    }

    public var outcome: Outcome
    /// The hash of the rules in force before.
    public var previousHash: String
    /// The hash of the rules in force now.
    public var ruleSetHash: String
    /// Why the files were refused, with file and line.
    public var problem: String?

    public init(outcome: Outcome, previousHash: String, ruleSetHash: String, problem: String? = nil) {
        self.outcome = outcome
        self.previousHash = previousHash
        self.ruleSetHash = ruleSetHash
        self.problem = problem
    }
}
