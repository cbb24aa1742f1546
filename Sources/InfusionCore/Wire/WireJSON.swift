import Foundation

/// The JSON conventions of the socket API: camelCase keys, RFC 3339 UTC times with milliseconds, sorted keys.
public enum WireJSON {
    /// An encoder for API bodies and stored documents (sorted keys, so bytes are stable).
    public static func encoder() -> JSONEncoder {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        encoder.dateEncodingStrategy = .custom { date, encoder in
            var container = encoder.singleValueContainer()
            try container.encode(formatTimestamp(date))
        }
        return encoder
    }

    /// Why a time in a body was refused; the underlying error of the `DecodingError`, so the server can answer
    /// `request.timestamp` naming the field.
    public struct TimestampError: Error, Sendable, Hashable {
        /// What a valid time looks like.
        public static let expected = "an RFC 3339 time such as 2026-01-31T14:05:00Z (a real date and time of day, years 1900–9999, with Z or an offset such as +01:00)"
    }

    /// A decoder for API bodies that accepts RFC 3339 times with or without fractional seconds.
    public static func decoder() -> JSONDecoder {
        let decoder = JSONDecoder()
        decoder.dateDecodingStrategy = .custom { decoder in
            let container = try decoder.singleValueContainer()
            let text = try container.decode(String.self)
            guard let date = parseTimestamp(text) else {
                // The text is echoed only when it is short and plain, so a refusal never carries control characters.
                let shown = text.utf8.count <= 40 && TextRules.violation(in: text, kind: .identifier) == nil ? "'\(text)'" : "The value"
                throw DecodingError.dataCorrupted(.init(
                    codingPath: decoder.codingPath, debugDescription: "\(shown) is not \(TimestampError.expected).",
                    underlyingError: TimestampError()))
            }
            return date
        }
        return decoder
    }

    /// Formats a time as RFC 3339 UTC with milliseconds, e.g. `2026-11-24T19:30:00.125Z`.
    /// Rounds to the nearest millisecond, so a time parsed back from this text formats to the same text.
    public static func formatTimestamp(_ date: Date) -> String {
        // Clamped to ±10^15 s so no date can trap the conversion (far outside anything an API accepts).
        let totalMilliseconds = Int64((min(max(date.timeIntervalSince1970, -1e15), 1e15) * 1000).rounded())
        let milliseconds = Int((totalMilliseconds % 1000 + 1000) % 1000)
        var seconds = time_t((totalMilliseconds - Int64(milliseconds)) / 1000)
        var parts = tm()
        gmtime_r(&seconds, &parts)
        let year = Int(parts.tm_year) + 1900
        guard (0...9999).contains(year) else {
            return String(
                format: "%04d-%02d-%02dT%02d:%02d:%02d.%03dZ", year, Int(parts.tm_mon) + 1,
                Int(parts.tm_mday), Int(parts.tm_hour), Int(parts.tm_min), Int(parts.tm_sec), milliseconds)
        }
        return TimestampText.format(year: year, month: Int(parts.tm_mon) + 1, day: Int(parts.tm_mday),
                                    hour: Int(parts.tm_hour), minute: Int(parts.tm_min), second: Int(parts.tm_sec),
                                    millisecond: milliseconds)
    }

    /// A time truncated to whole milliseconds, the precision the API and the database keep.
    public static func truncatedToMilliseconds(_ date: Date) -> Date {
        Date(timeIntervalSince1970: (date.timeIntervalSince1970 * 1000).rounded(.down) / 1000)
    }

    /// Parses an RFC 3339 time with or without fractional seconds and with any offset; nil for anything that is
    /// not a real instant in that form (30 February, hour 25, year 1, a missing offset).
    public static func parseTimestamp(_ text: String) -> Date? {
        if let date = TimestampText.parseUTC(text) { return date }
        return parseAnyTimestamp(text)
    }

    /// The general RFC 3339 parser behind `parseTimestamp`, for every form the fast path does not take. Strict by
    /// hand: Foundation's ISO 8601 parser rolls impossible dates over (30 February became 2 March) and takes year 1.
    static func parseAnyTimestamp(_ text: String) -> Date? {
        TimestampText.parseRFC3339(text)
    }

    /// Encodes a value to bytes with the API conventions.
    public static func encode(_ value: some Encodable) throws -> Data {
        try encoder().encode(value)
    }
}
