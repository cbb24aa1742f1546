import Foundation

/// `GET /v1/sessions/{id}/series`: a session's delivered dose and predicted plasma level over its time, with the
/// lines the profile holds them against, so a chart draws only figures and limits the daemon computed.
public struct SessionTrend: Codable, Sendable, Hashable {
    /// The samples (``SessionSeries``).
    public var series: SessionSeries
    /// The session's dose cap and predicted-level lines, read from its profile as the board reads them.
    public var limits: BoardLimits

    public init(series: SessionSeries, limits: BoardLimits) {
        self.series = series
        self.limits = limits
    }
}
