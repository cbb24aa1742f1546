import Foundation

/// How numbers, times and durations are shown to people (tables and narration, not JSON).
public enum DisplayFormat {
    /// A number with at most `fractionDigits` decimals and no trailing zeros: `70`, `1.5`, `0.25`.
    public static func number(_ value: Double, fractionDigits: Int = 2) -> String {
        guard value.isFinite else { return String(value) }
        let digits = max(0, min(fractionDigits, 9))
        let scale = (0..<digits).reduce(1.0) { result, _ in result * 10 }
        // Halves round away from zero, as dose figures do elsewhere (`Dosing.round`).
        var text = String(format: "%.\(digits)f", (value * scale).rounded() / scale)
        if text.contains(".") {
            while text.hasSuffix("0") { text.removeLast() }
            if text.hasSuffix(".") { text.removeLast() }
        }
        return text == "-0" ? "0" : text
    }

    /// A length of time in the largest two units that matter: `45s`, `12m`, `1h 05m`, `3d 04h`.
    public static func duration(seconds: Double) -> String {
        let total = Int(max(0, seconds).rounded(.down))
        let days = total / 86_400
        let hours = (total % 86_400) / 3_600
        let minutes = (total % 3_600) / 60
        switch total {
        case ..<60: return "\(total)s"
        case ..<3_600: return "\(minutes)m"
        case ..<86_400: return "\(hours)h " + twoDigits(minutes) + "m"
        default: return "\(days)d " + twoDigits(hours) + "h"
        }
    }

    /// How long ago `date` was, e.g. `12m ago`, or `in 3m` for a time still to come.
    public static func relative(_ date: Date, now: Date) -> String {
        let seconds = now.timeIntervalSince(date)
        return seconds >= 0 ? duration(seconds: seconds) + " ago" : "in " + duration(seconds: -seconds)
    }

    /// A time for a table cell: `14:05:03` when it is on the same day as `now`, else `2026-11-24 14:05`.
    public static func time(_ date: Date, now: Date = Date(), timeZone: TimeZone = .current) -> String {
        let calendar = gregorian(timeZone)
        let parts = calendar.dateComponents([.year, .month, .day, .hour, .minute, .second], from: date)
        let clock = twoDigits(parts.hour ?? 0) + ":" + twoDigits(parts.minute ?? 0)
        if calendar.isDate(date, inSameDayAs: now) {
            return clock + ":" + twoDigits(parts.second ?? 0)
        }
        return day(parts) + " " + clock
    }

    /// A full local time with its offset from UTC, e.g. `2026-11-24 14:05:03 +01:00`.
    public static func timestamp(_ date: Date, timeZone: TimeZone = .current) -> String {
        let calendar = gregorian(timeZone)
        let parts = calendar.dateComponents([.year, .month, .day, .hour, .minute, .second], from: date)
        let offset = timeZone.secondsFromGMT(for: date)
        let sign = offset < 0 ? "-" : "+"
        let offsetText = sign + twoDigits(abs(offset) / 3_600) + ":" + twoDigits(abs(offset) % 3_600 / 60)
        return day(parts) + " " + twoDigits(parts.hour ?? 0) + ":" + twoDigits(parts.minute ?? 0) + ":"
            + twoDigits(parts.second ?? 0) + " " + offsetText
    }

    /// The first `length` characters of an identifier, enough to tell it apart in a table.
    public static func shortID(_ id: UUID, length: Int = 8) -> String {
        String(id.uuidString.lowercased().prefix(length))
    }

    private static func gregorian(_ timeZone: TimeZone) -> Calendar {
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = timeZone
        return calendar
    }

    private static func day(_ parts: DateComponents) -> String {
        String(format: "%04d", parts.year ?? 0) + "-" + twoDigits(parts.month ?? 0) + "-" + twoDigits(parts.day ?? 0)
    }

    private static func twoDigits(_ value: Int) -> String {
        value < 10 ? "0\(value)" : "\(value)"
    }
}
