import Histogram

/// Latencies are recorded in microseconds, up to two minutes, to three significant digits, and reported in
/// milliseconds: one definition for the stations, the baseline and alert delivery.
extension Histogram<UInt64> {
    static func latencyMicroseconds() -> Self {
        Histogram(highestTrackableValue: 120_000_000, numberOfSignificantValueDigits: .three)
    }

    /// The latency at `percentile`, in milliseconds.
    func milliseconds(at percentile: Double) -> Double {
        Double(valueAtPercentile(percentile)) / 1000
    }

    /// p50, p90, p99, p99.9 and max in milliseconds, as the JSON reports carry them.
    var millisecondSummary: [String: Double] {
        ["p50": milliseconds(at: 50), "p90": milliseconds(at: 90), "p99": milliseconds(at: 99),
         "p99.9": milliseconds(at: 99.9), "max": Double(max) / 1000]
    }
}

func microseconds(_ duration: Duration) -> UInt64 {
    let (seconds, attoseconds) = duration.components
    return UInt64(max(0, seconds)) * 1_000_000 + UInt64(max(0, attoseconds) / 1_000_000_000_000)
}
