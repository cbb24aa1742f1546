import InfusionCore

/// SQL conditions for "still open", naming the open states so SQLite searches the state indexes. The negative
/// form (`state != 'closed'`) reads every row ever stored, and closed sessions and resolved alerts pile up for years
/// while the timers ask for the open ones every second.
enum OpenStateFilters {
    /// Sessions that are not closed.
    static let sessions = condition(SessionState.allCases.filter { $0 != .closed }.map(\.rawValue))
    /// Alerts that are not resolved.
    static let alerts = condition(AlertState.allCases.filter { $0 != .resolved }.map(\.rawValue))

    private static func condition(_ states: [String]) -> String {
        "state IN (\(states.map { "'\($0)'" }.joined(separator: ", ")))"
    }
}
