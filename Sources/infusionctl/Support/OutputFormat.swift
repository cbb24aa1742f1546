import ArgumentParser

/// How a command prints its result.
enum OutputFormat: String, ExpressibleByArgument, CaseIterable {
    /// Aligned tables and sentences for people.
    case text
    /// The daemon's answer as JSON for programs.
    case json
}
