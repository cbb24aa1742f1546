import InfusionCore
import InfusionServer

/// The rule set the baseline evaluates: the daemon's own built-in profiles, so both runs do the same work.
enum BenchProfile {
    static func ruleSet() throws -> RuleSet {
        try ProfileLoader.load(directory: nil)
    }
}
