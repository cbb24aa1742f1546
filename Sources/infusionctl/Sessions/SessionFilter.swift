import ArgumentParser

/// Which sessions `sessions list` shows.
enum SessionFilter: String, ExpressibleByArgument, CaseIterable {
    /// Sessions not yet closed.
    case open
    /// Closed sessions only.
    case closed
    /// Every session.
    case all
}
