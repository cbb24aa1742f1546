import Foundation
import Testing

@testable import InfusionClient

@Suite("DisplayFormat")
struct DisplayFormatTests {
    @Test(arguments: [
        (70.0, "70"), (1.5, "1.5"), (0.25, "0.25"), (105.0, "105"), (0.125, "0.13"), (-0.001, "0"), (1e-9, "0"),
    ])
    func numbers(value: Double, expected: String) {
        #expect(DisplayFormat.number(value) == expected)
    }

    @Test(arguments: [
        (0.0, "0s"), (59.9, "59s"), (60.0, "1m"), (3_599.0, "59m"), (3_600.0, "1h 00m"), (3_900.0, "1h 05m"),
        (86_399.0, "23h 59m"), (86_400.0, "1d 00h"), (273_600.0, "3d 04h"), (-5.0, "0s"),
    ])
    func durations(seconds: Double, expected: String) {
        #expect(DisplayFormat.duration(seconds: seconds) == expected)
    }

    @Test func relativeTimes() {
        let now = Date(timeIntervalSince1970: 1_800_000_000)
        #expect(DisplayFormat.relative(now.addingTimeInterval(-720), now: now) == "12m ago")
        #expect(DisplayFormat.relative(now.addingTimeInterval(180), now: now) == "in 3m")
    }

    @Test func tableTimesShowTheDayOnlyWhenItDiffers() throws {
        let utc = try #require(TimeZone(identifier: "UTC"))
        let now = Date(timeIntervalSince1970: 1_795_000_000)  // 2026-11-18T11:06:40Z
        let earlierToday = now.addingTimeInterval(-3_600)
        let yesterday = now.addingTimeInterval(-86_400)
        #expect(DisplayFormat.time(earlierToday, now: now, timeZone: utc) == "10:06:40")
        #expect(DisplayFormat.time(yesterday, now: now, timeZone: utc) == "2026-11-17 11:06")
    }

    @Test func timestampsCarryTheirOffset() throws {
        let date = Date(timeIntervalSince1970: 1_795_000_000)
        let utc = try #require(TimeZone(identifier: "UTC"))
        let plusOne = try #require(TimeZone(secondsFromGMT: 3_600))
        let minusHalf = try #require(TimeZone(secondsFromGMT: -(3 * 3_600 + 1_800)))
        #expect(DisplayFormat.timestamp(date, timeZone: utc) == "2026-11-18 11:06:40 +00:00")
        #expect(DisplayFormat.timestamp(date, timeZone: plusOne) == "2026-11-18 12:06:40 +01:00")
        #expect(DisplayFormat.timestamp(date, timeZone: minusHalf) == "2026-11-18 07:36:40 -03:30")
    }

    @Test func shortIDs() throws {
        let id = try #require(UUID(uuidString: "3F2A1B2C-4D5E-6F70-8192-A3B4C5D6E7F8"))
        #expect(DisplayFormat.shortID(id) == "3f2a1b2c")
    }
}
