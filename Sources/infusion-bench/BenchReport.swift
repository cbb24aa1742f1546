import Foundation
import Histogram

/// Throughput and latency of one way of writing observations.
struct Measurement: Encodable {
    var acknowledged: Int
    var seconds: Double
    var latency: Histogram<UInt64>

    var perSecond: Double { seconds > 0 ? Double(acknowledged) / seconds : 0 }

    /// Latency at a percentile, in milliseconds.
    func milliseconds(_ percentile: Double) -> Double { latency.milliseconds(at: percentile) }

    enum CodingKeys: String, CodingKey { case acknowledged, seconds, perSecond, latencyMs }

    func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(acknowledged, forKey: .acknowledged)
        try container.encode(seconds, forKey: .seconds)
        try container.encode(perSecond, forKey: .perSecond)
        try container.encode(latency.millisecondSummary, forKey: .latencyMs)
    }
}

/// Whether every acknowledged observation was found exactly once.
struct Verification: Encodable {
    var checked: Int
    var missing: Int
    var duplicated: Int
}

/// Everything one bench run measured.
struct BenchReport: Encodable {
    var scenario = "load"
    var stations: Int
    var sessions: Int
    var observations: Int
    var daemon: Measurement
    var alertsRaised: Int
    var verification: Verification
    /// Alert changes named by acknowledgements, joined with their arrival on the stream.
    var alertDelivery: AlertDelivery
    /// The memory scenario's stream clients, when there were more than the measuring one.
    var streamClients: StreamClients?
    var workload = ""
    var daemonPeakRSSBytes: Int?
    /// The daemon's resident set at the end of the run (VmRSS).
    var daemonRSSBytes: Int?
    /// The daemon's resident set once sessions were open and streams connected, before the load (VmRSS).
    var daemonRSSBeforeLoadBytes: Int?
    var baseline: Measurement?
    var machine = ""

    func text() -> String {
        func row(_ name: String, _ values: [String]) -> String {
            name.padding(toLength: 30, withPad: " ", startingAt: 0) + values.map { $0.leftPadded(to: 22) }.joined()
        }
        func format(_ value: Double, _ digits: Int = 2) -> String { String(format: "%.\(digits)f", value) }
        var lines = ["infusion-bench --scenario \(scenario): \(stations) stations, \(sessions) sessions, \(observations) observations on \(machine)",
                     "mix: \(workload)", ""]
        var header = ["daemon (group commit)"]
        if baseline != nil { header.append("baseline (txn/event)") }
        lines.append(row("", header))
        let runs = [daemon] + (baseline.map { [$0] } ?? [])
        lines.append(row("acknowledged observations/s", runs.map { format($0.perSecond, 0) }))
        for percentile in [50.0, 90, 99, 99.9] {
            lines.append(row("latency p\(percentile == 99.9 ? "99.9" : String(Int(percentile))) (ms)", runs.map { format($0.milliseconds(percentile)) }))
        }
        lines.append(row("latency max (ms)", runs.map { format(Double($0.latency.max) / 1000) }))
        lines.append("")
        lines.append("alerts raised or changed: \(alertsRaised)")
        lines += alertDelivery.textLines()
        if let streamClients {
            lines.append("stream clients: \(streamClients.clients), each received \(streamClients.minEvents)–\(streamClients.maxEvents) alert events, \(streamClients.failures) failed")
        }
        if let rss = daemonPeakRSSBytes {
            lines.append("daemon peak RSS (VmHWM): \(format(Double(rss) / 1_048_576, 1)) MiB")
        }
        if let rss = daemonRSSBeforeLoadBytes {
            lines.append("daemon RSS before the load (VmRSS): \(format(Double(rss) / 1_048_576, 1)) MiB")
        }
        if let rss = daemonRSSBytes {
            lines.append("daemon RSS at the end (VmRSS): \(format(Double(rss) / 1_048_576, 1)) MiB")
        }
        lines.append("stored exactly once: \(verification.checked - verification.missing - verification.duplicated)/\(verification.checked) (missing \(verification.missing), duplicated \(verification.duplicated))")
        if let baseline {
            lines.append("")
            lines.append("throughput ratio daemon/baseline: \(format(daemon.perSecond / baseline.perSecond)) (target ≥ 2)")
            lines.append("p99 ratio daemon/baseline commit: \(format(daemon.milliseconds(99) / baseline.milliseconds(99))) (target ≤ 5)")
        }
        return lines.joined(separator: "\n")
    }
}

extension String {
    func leftPadded(to width: Int) -> String {
        count >= width ? self : String(repeating: " ", count: width - count) + self
    }
}
