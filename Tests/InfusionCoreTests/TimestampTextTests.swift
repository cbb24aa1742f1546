import Foundation
import Testing
@testable import InfusionCore

/// The hand-written timestamp paths must answer exactly as the general ones they stand in for.
@Suite("Timestamp fast paths agree with the general formatter and parser")
struct TimestampTextTests {
    static func generalFormat(_ date: Date) -> String {
        let totalMilliseconds = Int64((date.timeIntervalSince1970 * 1000).rounded())
        let milliseconds = Int((totalMilliseconds % 1000 + 1000) % 1000)
        var seconds = time_t((totalMilliseconds - Int64(milliseconds)) / 1000)
        var parts = tm()
        gmtime_r(&seconds, &parts)
        return String(format: "%04d-%02d-%02dT%02d:%02d:%02d.%03dZ", Int(parts.tm_year) + 1900, Int(parts.tm_mon) + 1,
                      Int(parts.tm_mday), Int(parts.tm_hour), Int(parts.tm_min), Int(parts.tm_sec), milliseconds)
    }

    @Test("20,000 random times from 1900 to 2200 format and parse exactly as before")
    func randomTimes() {
        var generator = SystemRandomNumberGenerator()
        for _ in 0..<20_000 {
            let milliseconds = Int64.random(in: -2_208_988_800_000...7_258_118_400_000, using: &generator)
            let date = Date(timeIntervalSince1970: Double(milliseconds) / 1000)
            let text = WireJSON.formatTimestamp(date)
            #expect(text == Self.generalFormat(date))
            #expect(TimestampText.parseUTC(text) == WireJSON.parseAnyTimestamp(text), "\(text)")
            let whole = String(text.prefix(19)) + "Z"
            #expect(TimestampText.parseUTC(whole) == WireJSON.parseAnyTimestamp(whole), "\(whole)")
        }
    }

    @Test("edge dates: leap days, month ends, the epoch, the last millisecond of a year", arguments: [
        "2024-02-29T23:59:59.999Z", "2000-02-29T00:00:00Z", "1970-01-01T00:00:00.000Z", "1969-12-31T23:59:59.999Z",
        "2026-12-31T23:59:59.999Z", "2026-04-30T12:00:00Z", "1900-01-01T00:00:00Z", "9999-12-31T23:59:59.999Z",
        "2000-12-25T18:18:36.016Z", "2001-01-02T23:51:51.156Z",
    ])
    func edges(text: String) throws {
        let fast = try #require(TimestampText.parseUTC(text))
        #expect(fast == WireJSON.parseAnyTimestamp(text))
    }

    @Test("what the fast path does not take goes to the general parser, which decides", arguments: [
        "2026-02-29T00:00:00Z", "1900-02-29T00:00:00Z", "2026-04-31T00:00:00Z", "2026-13-01T00:00:00Z",
        "2026-00-10T00:00:00Z", "2026-01-01T24:00:00Z", "2026-01-01T23:60:00Z", "2026-01-01T23:59:60Z",
        "2026-01-01t10:00:00Z", "2026-01-01T10:00:00z", "2026-01-01T10:00:00.5Z", "2026-01-01T10:00:00+01:00",
        "2026-01-01T10:00:00.1234Z", "2026-1-01T10:00:00Z", "1899-12-31T23:59:59Z", "0001-01-01T00:00:00Z", "２０２６-01-01T10:00:00Z", "", "not a time",
    ])
    func declined(text: String) {
        #expect(TimestampText.parseUTC(text) == nil)
        #expect(WireJSON.parseTimestamp(text) == WireJSON.parseAnyTimestamp(text))
    }

    @Test("impossible or malformed times are refused, never rolled over (issue 15 item 12e)", arguments: [
        "2026-02-30T10:00:00Z", "2026-02-29T10:00:00Z", "2100-02-29T00:00:00Z", "2026-04-31T00:00:00Z", "2026-06-31T00:00:00+02:00",
        "2026-01-01T25:00:00Z", "2026-01-01T24:00:00Z", "2026-01-01T23:60:00Z", "2026-01-01T23:59:60Z", "2026-12-31T23:59:60Z",
        "0001-01-01T00:00:00Z", "0001-01-01T00:00:00.000Z", "1899-12-31T23:59:59Z", "0000-01-01T00:00:00Z",
        "2026-13-01T00:00:00Z", "2026-00-10T00:00:00Z", "2026-01-00T00:00:00Z",
        "2026-01-01T10:00:00", "2026-01-01 10:00:00Z", "2026-01-01T10:00Z", "2026-01-01T10:00:00+01", "2026-01-01T10:00:00+0100",
        "2026-01-01T10:00:00+24:00", "2026-01-01T10:00:00+01:60", "2026-01-01T10:00:00.Z", "2026-01-01T10:00:00.1234567890Z",
        "2026-01-01T10:00:00ZZ", "2026-01-01T10:00:00Z ", " 2026-01-01T10:00:00Z", "+2026-01-01T10:00:00Z", "20260101T100000Z",
        "2026-W01-1T10:00:00Z", "2026-1-01T10:00:00Z", "２０２６-01-01T10:00:00Z", "2026-01-01T1O:00:00Z", "", "not a time",
    ])
    func strictRefusals(text: String) {
        #expect(WireJSON.parseTimestamp(text) == nil, "\(text)")
    }

    @Test("every RFC 3339 form that names a real instant is read exactly", arguments: [
        ("2026-01-01T10:00:00+01:00", 1_767_258_000.0), ("2026-01-01T10:00:00-00:00", 1_767_261_600.0),
        ("2026-01-01t10:00:00z", 1_767_261_600.0), ("2026-01-01T10:00:00.5Z", 1_767_261_600.5),
        ("2026-01-01T10:00:00.123456789Z", 1_767_261_600.123456789), ("2026-01-01T00:30:00+05:30", 1_767_207_600.0),
        ("2025-12-31T23:00:00-01:00", 1_767_225_600.0), ("2024-02-29T12:00:00Z", 1_709_208_000.0),
        ("1900-01-01T00:00:00Z", -2_208_988_800.0), ("9999-12-31T23:59:59Z", 253_402_300_799.0),
    ])
    func strictAccepts(text: String, seconds: Double) throws {
        let date = try #require(WireJSON.parseTimestamp(text), "\(text)")
        #expect(abs(date.timeIntervalSince1970 - seconds) < 1e-6, "\(text) → \(date.timeIntervalSince1970)")
    }

    @Test("a refused time in a body is a decoding error carrying TimestampError, and its text is not echoed when it holds controls")
    func decoderError() throws {
        struct Body: Decodable { var at: Date }
        for text in ["2026-02-30T10:00:00Z", "2026-01-01T10:00:00\\u001b[2J"] {
            do {
                _ = try WireJSON.decoder().decode(Body.self, from: Data(#"{"at":"\#(text)"}"#.utf8))
                Issue.record("\(text) was accepted")
            } catch DecodingError.dataCorrupted(let context) {
                #expect(context.underlyingError is WireJSON.TimestampError)
                #expect(!context.debugDescription.contains("\u{1B}"))
            }
        }
    }

    @Test("years outside 0000–9999 still format as before")
    func farYears() {
        for seconds in [-1e15, -7e10, 3e11, 1e15] {
            let date = Date(timeIntervalSince1970: seconds)
            #expect(WireJSON.formatTimestamp(date) == Self.generalFormat(date))
        }
    }
}
