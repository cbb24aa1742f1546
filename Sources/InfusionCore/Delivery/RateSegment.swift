/// A stretch of time with a constant delivery rate, in minutes from the session's start.
public struct RateSegment: Codable, Sendable, Hashable {
    /// Minutes from the session's start.
    public var startMinute: Double
    /// Minutes from the session's start; nil while it runs on as programmed.
    public var endMinute: Double?
    /// The rate in mg per minute (bolus and infusion together).
    public var mgPerMinute: Double

    public init(startMinute: Double, endMinute: Double?, mgPerMinute: Double) {
        self.startMinute = startMinute
        self.endMinute = endMinute
        self.mgPerMinute = mgPerMinute
    }

    /// The mg this segment delivers up to `minute`.
    public func deliveredMg(until minute: Double) -> Double {
        let end = min(endMinute ?? .infinity, minute)
        return end > startMinute ? (end - startMinute) * mgPerMinute : 0
    }
}
