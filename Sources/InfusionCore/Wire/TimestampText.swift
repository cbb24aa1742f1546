import Foundation

/// Hand-written formatting and parsing of the one timestamp form the daemon writes itself
/// (`2026-11-24T19:30:00.125Z`, and the same without fractional seconds). Every stored document and audit record
/// carries several of these, so `String(format:)` and `ISO8601FormatStyle` cost a visible share of each request.
/// Anything else (offsets, other fraction lengths, lower-case `t`/`z`) goes to the strict general parser.
enum TimestampText {
    /// `YYYY-MM-DDTHH:MM:SS.mmmZ` from calendar fields already in range.
    static func format(year: Int, month: Int, day: Int, hour: Int, minute: Int, second: Int, millisecond: Int) -> String {
        var bytes = [UInt8](repeating: 0, count: 24)
        func put(_ value: Int, at offset: Int, digits: Int) {
            var value = value
            for index in stride(from: offset + digits - 1, through: offset, by: -1) {
                bytes[index] = UInt8(ascii: "0") + UInt8(value % 10)
                value /= 10
            }
        }
        put(year, at: 0, digits: 4)
        bytes[4] = UInt8(ascii: "-")
        put(month, at: 5, digits: 2)
        bytes[7] = UInt8(ascii: "-")
        put(day, at: 8, digits: 2)
        bytes[10] = UInt8(ascii: "T")
        put(hour, at: 11, digits: 2)
        bytes[13] = UInt8(ascii: ":")
        put(minute, at: 14, digits: 2)
        bytes[16] = UInt8(ascii: ":")
        put(second, at: 17, digits: 2)
        bytes[19] = UInt8(ascii: ".")
        put(millisecond, at: 20, digits: 3)
        bytes[23] = UInt8(ascii: "Z")
        return String(decoding: bytes, as: UTF8.self)
    }

    /// Parses `YYYY-MM-DDTHH:MM:SSZ` or `YYYY-MM-DDTHH:MM:SS.mmmZ` (UTC, upper-case T and Z); nil for anything else,
    /// including impossible dates such as 31 April, so the caller's general parser has the last word on those.
    static func parseUTC(_ text: String) -> Date? {
        var text = text
        return text.withUTF8 { bytes -> Date? in
            guard bytes.count == 20 || bytes.count == 24 else { return nil }
            func number(_ offset: Int, _ digits: Int) -> Int? {
                var value = 0
                for index in offset..<(offset + digits) {
                    let byte = bytes[index]
                    guard byte >= UInt8(ascii: "0"), byte <= UInt8(ascii: "9") else { return nil }
                    value = value * 10 + Int(byte - UInt8(ascii: "0"))
                }
                return value
            }
            guard bytes[4] == UInt8(ascii: "-"), bytes[7] == UInt8(ascii: "-"), bytes[10] == UInt8(ascii: "T"),
                  bytes[13] == UInt8(ascii: ":"), bytes[16] == UInt8(ascii: ":"), bytes[bytes.count - 1] == UInt8(ascii: "Z"),
                  let year = number(0, 4), let month = number(5, 2), let day = number(8, 2),
                  let hour = number(11, 2), let minute = number(14, 2), let second = number(17, 2)
            else { return nil }
            var millisecond = 0
            if bytes.count == 24 {
                guard bytes[19] == UInt8(ascii: "."), let fraction = number(20, 3) else { return nil }
                millisecond = fraction
            }
            // Before 1900 the general parser's calendar is not simply proleptic Gregorian (it switches to Julian).
            guard year >= 1900, (1...12).contains(month), (1...daysIn(month: month, year: year)).contains(day),
                  hour < 24, minute < 60, second < 60 else { return nil }
            // Summed in the same order as Foundation's parser (day, then time of day with its fraction), so both
            // give the very same Double, not one a rounding step apart.
            let dayStart = daysSinceEpoch(year: year, month: month, day: day) * 86_400
            let timeOfDay = Double((hour * 60 + minute) * 60 + second) + Double(millisecond) / 1000
            return Date(timeIntervalSinceReferenceDate: Double(dayStart - 978_307_200) + timeOfDay)
        }
    }

    /// The years a timestamp may name. Nothing the daemon records happened before 1900, and earlier dates are
    /// where calendars stop agreeing (Julian versus proleptic Gregorian), so year 1 is refused rather than guessed.
    static let years = 1900...9999

    /// Parses RFC 3339 `date-time` strictly (section 5.6): `YYYY-MM-DD`, `T`, `HH:MM:SS`, an optional fraction of 1–9
    /// digits, then `Z` or `±HH:MM` (`t`, `z` in lower case as the RFC allows). Every field must be in range for
    /// its month and year: no 30 February, no hour 24 or 25, no leap second (a `Date` cannot hold one), no year
    /// outside ``years``. Nil for anything else, so a malformed time is refused, never rolled over into another.
    static func parseRFC3339(_ text: String) -> Date? {
        var text = text
        return text.withUTF8 { bytes -> Date? in
            guard bytes.count >= 20, bytes.count <= 35 else { return nil }
            func number(_ offset: Int, _ digits: Int) -> Int? {
                guard offset + digits <= bytes.count else { return nil }
                var value = 0
                for index in offset..<(offset + digits) {
                    let byte = bytes[index]
                    guard byte >= UInt8(ascii: "0"), byte <= UInt8(ascii: "9") else { return nil }
                    value = value * 10 + Int(byte - UInt8(ascii: "0"))
                }
                return value
            }
            guard bytes[4] == UInt8(ascii: "-"), bytes[7] == UInt8(ascii: "-"),
                  bytes[10] == UInt8(ascii: "T") || bytes[10] == UInt8(ascii: "t"),
                  bytes[13] == UInt8(ascii: ":"), bytes[16] == UInt8(ascii: ":"),
                  let year = number(0, 4), let month = number(5, 2), let day = number(8, 2),
                  let hour = number(11, 2), let minute = number(14, 2), let second = number(17, 2),
                  years.contains(year), (1...12).contains(month), (1...daysIn(month: month, year: year)).contains(day),
                  hour < 24, minute < 60, second < 60
            else { return nil }
            var index = 19
            var fraction = 0.0
            if bytes[index] == UInt8(ascii: ".") {
                index += 1
                var digits = 0
                var value = 0
                while index < bytes.count, bytes[index] >= UInt8(ascii: "0"), bytes[index] <= UInt8(ascii: "9") {
                    value = value * 10 + Int(bytes[index] - UInt8(ascii: "0"))
                    digits += 1
                    index += 1
                }
                guard (1...9).contains(digits) else { return nil }
                var scale = 1.0
                for _ in 0..<digits { scale *= 10 }
                fraction = Double(value) / scale
            }
            guard index < bytes.count else { return nil }
            var offsetSeconds = 0
            switch bytes[index] {
            case UInt8(ascii: "Z"), UInt8(ascii: "z"):
                guard index + 1 == bytes.count else { return nil }
            case UInt8(ascii: "+"), UInt8(ascii: "-"):
                guard index + 6 == bytes.count, bytes[index + 3] == UInt8(ascii: ":"),
                      let offsetHours = number(index + 1, 2), let offsetMinutes = number(index + 4, 2),
                      offsetHours < 24, offsetMinutes < 60
                else { return nil }
                offsetSeconds = (offsetHours * 60 + offsetMinutes) * 60 * (bytes[index] == UInt8(ascii: "-") ? -1 : 1)
            default:
                return nil
            }
            // Summed as in parseUTC (day, then time of day with its fraction) so both give the very same Double.
            let dayStart = daysSinceEpoch(year: year, month: month, day: day) * 86_400 - offsetSeconds
            let timeOfDay = Double((hour * 60 + minute) * 60 + second) + fraction
            return Date(timeIntervalSinceReferenceDate: Double(dayStart - 978_307_200) + timeOfDay)
        }
    }

    static func daysIn(month: Int, year: Int) -> Int {
        switch month {
        case 2: return (year % 4 == 0 && year % 100 != 0) || year % 400 == 0 ? 29 : 28
        case 4, 6, 9, 11: return 30
        default: return 31
        }
    }

    /// Days from 1970-01-01 to a proleptic Gregorian date (H. Hinnant's days_from_civil).
    static func daysSinceEpoch(year: Int, month: Int, day: Int) -> Int {
        let shiftedYear = month <= 2 ? year - 1 : year
        let era = (shiftedYear >= 0 ? shiftedYear : shiftedYear - 399) / 400
        let yearOfEra = shiftedYear - era * 400
        let dayOfYear = (153 * (month + (month > 2 ? -3 : 9)) + 2) / 5 + day - 1
        let dayOfEra = yearOfEra * 365 + yearOfEra / 4 - yearOfEra / 100 + dayOfYear
        return era * 146_097 + dayOfEra - 719_468
    }
}
