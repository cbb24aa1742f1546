import Foundation

/// A length of time written in a profile with its unit, e.g. `15m`, `90s`, `1h` or `1h30m`.
///
/// A bare number is refused: whether `15` means seconds or minutes is exactly the kind of slip that turns a
/// 15-minute observation interval into a 15-second one, so every duration must say its unit.
public struct ProfileDuration: Codable, Sendable, Hashable, Comparable, CustomStringConvertible {
    /// The length in seconds.
    public var seconds: Double

    /// A duration of `seconds` seconds.
    public init(seconds: Double) {
        self.seconds = seconds
    }

    /// A duration of `minutes` minutes.
    public static func minutes(_ minutes: Double) -> ProfileDuration { ProfileDuration(seconds: minutes * 60) }

    /// A duration of `hours` hours.
    public static func hours(_ hours: Double) -> ProfileDuration { ProfileDuration(seconds: hours * 3600) }

    /// Parses `90s`, `15m`, `1h`, `1h30m`, `2.5s`; nil for anything else, including a number without a unit.
    public init?(parsing text: String) {
        var total = 0.0
        var number = ""
        var sawUnit = false
        for character in text.trimmingCharacters(in: .whitespaces) {
            if character.isNumber || character == "." {
                number.append(character)
                continue
            }
            let scale: Double
            switch character {
            case "h": scale = 3600
            case "m": scale = 60
            case "s": scale = 1
            default: return nil
            }
            guard let value = Double(number), value.isFinite, value >= 0 else { return nil }
            total += value * scale
            number = ""
            sawUnit = true
        }
        guard sawUnit, number.isEmpty else { return nil }
        self.seconds = total
    }

    public init(from decoder: any Decoder) throws {
        let container = try decoder.singleValueContainer()
        guard let text = try? container.decode(String.self), let parsed = ProfileDuration(parsing: text) else {
            throw DecodingError.dataCorruptedError(
                in: container,
                debugDescription: "a duration needs its unit, e.g. 15m, 90s, 1h or 1h30m (s seconds, m minutes, h hours)")
        }
        self = parsed
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        try container.encode(description)
    }

    /// The duration in the shortest exact form, e.g. `15m`, `1h30m`, `2.5s`.
    public var description: String {
        let whole = seconds.rounded(.down)
        guard whole == seconds else { return "\(seconds)s" }
        var rest = Int64(whole)
        var text = ""
        if rest >= 3600 {
            text += "\(rest / 3600)h"
            rest %= 3600
        }
        if rest >= 60 {
            text += "\(rest / 60)m"
            rest %= 60
        }
        if rest > 0 || text.isEmpty { text += "\(rest)s" }
        return text
    }

    /// The duration in minutes, for sentences a nurse reads.
    public var minutes: Double { seconds / 60 }

    public static func < (lhs: ProfileDuration, rhs: ProfileDuration) -> Bool { lhs.seconds < rhs.seconds }
}
