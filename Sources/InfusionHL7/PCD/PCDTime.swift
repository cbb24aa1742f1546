import Foundation

/// HL7 DTM/TS times (`YYYY[MM[DD[HHMM[SS[.S…]]]]][+/-ZZZZ]`) read as instants.
///
/// A time without an offset is only an instant in some zone; the reader uses the sender's configured zone and
/// refuses the time when there is none, rather than assume the receiver's.
public enum PCDTime {
    /// Why a time could not be read.
    public enum Failure: Error, Sendable, Hashable {
        /// Not a DTM at all, or not precise to the minute.
        case malformed
        /// No offset and no zone configured for the sender.
        case missingOffset
    }

    /// Reads a DTM precise to at least the minute (an observation time needs it).
    public static func instant(_ text: String, zone: TimeZone?) -> Result<Date, Failure> {
        let scalars = Array(text.unicodeScalars)
        var index = 0
        func digits(_ count: Int) -> Int? {
            guard index + count <= scalars.count else { return nil }
            var value = 0
            for scalar in scalars[index..<(index + count)] {
                guard ("0"..."9").contains(scalar) else { return nil }
                value = value * 10 + Int(scalar.value - 48)
            }
            index += count
            return value
        }
        guard let year = digits(4), let month = digits(2), let day = digits(2), let hour = digits(2), let minute = digits(2) else {
            return .failure(.malformed)
        }
        var second = 0
        var fraction = 0.0
        if index < scalars.count, ("0"..."9").contains(scalars[index]) {
            guard let value = digits(2) else { return .failure(.malformed) }
            second = value
            if index < scalars.count, scalars[index] == "." {
                index += 1
                let start = index
                while index < scalars.count, ("0"..."9").contains(scalars[index]), index - start < 4 { index += 1 }
                guard index > start, let value = Double("0." + String(String.UnicodeScalarView(scalars[start..<index]))) else {
                    return .failure(.malformed)
                }
                fraction = value
            }
        }
        var offsetSeconds: Int?
        if index < scalars.count {
            let sign = scalars[index]
            guard sign == "+" || sign == "-" else { return .failure(.malformed) }
            index += 1
            guard let hours = digits(2), let minutes = digits(2), hours < 24, minutes < 60 else { return .failure(.malformed) }
            offsetSeconds = (hours * 3600 + minutes * 60) * (sign == "-" ? -1 : 1)
        }
        guard index == scalars.count, (1...12).contains(month), (1...31).contains(day), hour < 24, minute < 60, second < 60 else {
            return .failure(.malformed)
        }
        let timeZone: TimeZone
        if let offsetSeconds {
            guard let fixed = TimeZone(secondsFromGMT: offsetSeconds) else { return .failure(.malformed) }
            timeZone = fixed
        } else if let zone {
            timeZone = zone
        } else {
            return .failure(.missingOffset)
        }
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = timeZone
        let components = DateComponents(year: year, month: month, day: day, hour: hour, minute: minute, second: second)
        guard let date = calendar.date(from: components),
              case let check = calendar.dateComponents([.year, .month, .day], from: date),
              check.year == year, check.month == month, check.day == day else {
            // 31 February and the like roll over in Calendar; refuse them.
            return .failure(.malformed)
        }
        return .success(date.addingTimeInterval(fraction))
    }
}
