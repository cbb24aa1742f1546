import Foundation
import InfusionCore

/// One end of an export range: a record's seq, or a time (RFC 3339) matched against the records' `time`.
public enum AuditBound: Sendable, Hashable, CustomStringConvertible {
    case seq(Int64)
    case time(Date)

    /// Reads `123` as a seq and `2026-11-24T08:00:00Z` as a time; nil for anything else.
    public init?(parsing text: String) {
        if !text.isEmpty, text.allSatisfy(\.isASCII), text.allSatisfy(\.isNumber) {
            guard let seq = Int64(text), seq >= 1 else { return nil }
            self = .seq(seq)
        } else if let date = WireJSON.parseTimestamp(text) {
            self = .time(date)
        } else {
            return nil
        }
    }

    public var description: String {
        switch self {
        case .seq(let seq): "\(seq)"
        case .time(let date): WireJSON.formatTimestamp(date)
        }
    }
}
