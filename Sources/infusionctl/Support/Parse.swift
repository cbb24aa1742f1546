import ArgumentParser
import Foundation
import InfusionClient
import InfusionCore

/// Converters for argument values that need more than `ExpressibleByArgument`.
enum Parse {
    /// A UUID such as a session or event id.
    static func uuid(_ text: String) throws -> UUID {
        guard let id = UUID(uuidString: text) else {
            throw ValidationError("'\(TerminalText.escaped(text))' is not an id; ids look like 3f2a1b2c-4d5e-6f70-8192-a3b4c5d6e7f8.")
        }
        return id
    }

    /// An RFC 3339 time, e.g. `2026-11-24T14:05:00Z`.
    static func timestamp(_ text: String) throws -> Date {
        guard let date = WireJSON.parseTimestamp(text) else {
            throw ValidationError("'\(TerminalText.escaped(text))' is not an RFC 3339 time such as 2026-11-24T14:05:00Z.")
        }
        return date
    }
}
