import Foundation

/// The body of a `timer` event: what the schedule timer saw when its check led to decisions (L20, L21).
public struct ScheduleCheck: Codable, Sendable, Hashable {
    /// The schedule at the time of the check.
    public var status: ScheduleStatus
    /// The station feeds that had gone silent, with the time each last sent an observation.
    public var silentFeeds: [String: Date]

    public init(status: ScheduleStatus, silentFeeds: [String: Date]) {
        self.status = status
        self.silentFeeds = silentFeeds
    }
}
