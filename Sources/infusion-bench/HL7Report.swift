import Foundation
import Histogram

/// One route driven for a fixed time: what was acknowledged, how fast, and the CPU it took.
struct RoutePhase: Encodable {
    /// `hl7` (PCD-01 over MLLP) or `json` (`POST /v1/sessions/{id}/observations`).
    var route: String
    var connections: Int
    /// From the start to the last answer (the last message in flight at the deadline included).
    var seconds: Double
    /// Acknowledged messages of each connection, in connection order.
    var perConnection: [Int]
    var latency = Histogram<UInt64>.latencyMicroseconds()
    /// Observations found in the sessions' logs afterwards (each equal to its connection's count, or the run fails).
    var stored = 0
    /// CPU the daemon used during the phase.
    var daemonCPUSeconds: Double?
    /// CPU this bench used during the phase (its senders and their clients).
    var benchCPUSeconds: Double?
    /// The machine's 1-minute load average before and after the phase.
    var loadAverage: [Double] = []

    var acknowledged: Int { perConnection.reduce(0, +) }
    var perSecond: Double { seconds > 0 ? Double(acknowledged) / seconds : 0 }

    /// Milliseconds of CPU per acknowledged message.
    func perMessageMilliseconds(_ cpuSeconds: Double?) -> Double? {
        guard let cpuSeconds, acknowledged > 0 else { return nil }
        return cpuSeconds * 1000 / Double(acknowledged)
    }

    enum CodingKeys: String, CodingKey {
        case route, connections, seconds, acknowledged, perConnection, perSecond, stored, latencyMs
        case daemonCPUSeconds, benchCPUSeconds, daemonCPUMsPerMessage, benchCPUMsPerMessage, loadAverage
    }

    func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(route, forKey: .route)
        try container.encode(connections, forKey: .connections)
        try container.encode(seconds, forKey: .seconds)
        try container.encode(acknowledged, forKey: .acknowledged)
        try container.encode(perConnection, forKey: .perConnection)
        try container.encode(perSecond, forKey: .perSecond)
        try container.encode(stored, forKey: .stored)
        try container.encode(latency.millisecondSummary, forKey: .latencyMs)
        try container.encodeIfPresent(daemonCPUSeconds, forKey: .daemonCPUSeconds)
        try container.encodeIfPresent(benchCPUSeconds, forKey: .benchCPUSeconds)
        try container.encodeIfPresent(perMessageMilliseconds(daemonCPUSeconds), forKey: .daemonCPUMsPerMessage)
        try container.encodeIfPresent(perMessageMilliseconds(benchCPUSeconds), forKey: .benchCPUMsPerMessage)
        try container.encode(loadAverage, forKey: .loadAverage)
    }
}

/// What `infusion-bench hl7` measured: the two routes of one daemon, one after the other.
struct HL7Report: Encodable, TextReport {
    var scenario = "hl7"
    var connections: Int
    var phaseSeconds: Double
    var hl7: RoutePhase
    var json: RoutePhase
    var daemonPeakRSSBytes: Int?
    var machine: String

    func text() -> String {
        func row(_ name: String, _ values: [String]) -> String {
            name.padding(toLength: 34, withPad: " ", startingAt: 0) + values.map { $0.leftPadded(to: 20) }.joined()
        }
        func format(_ value: Double?, _ digits: Int = 2) -> String { value.map { String(format: "%.\(digits)f", $0) } ?? "–" }
        let phases = [hl7, json]
        var lines = [
            "infusion-bench hl7: \(connections) connections per route, \(format(phaseSeconds, 0)) s each, one daemon, on \(machine)",
            "both routes: one open session per connection, one message in flight per connection, normal vitals (HR 70–80, SpO2 97–99, BP 120/80, RR 14)",
            "",
            row("", ["PCD-01 over MLLP", "JSON route"]),
            row("acknowledged messages/s", phases.map { format($0.perSecond, 0) }),
            row("observations stored/s", phases.map { format($0.seconds > 0 ? Double($0.stored) / $0.seconds : 0, 0) }),
        ]
        for percentile in [50.0, 90, 99] {
            lines.append(row("latency p\(Int(percentile)) (ms)", phases.map { format($0.latency.milliseconds(at: percentile)) }))
        }
        lines.append(row("latency max (ms)", phases.map { format(Double($0.latency.max) / 1000) }))
        lines.append(row("daemon CPU per message (ms)", phases.map { format($0.perMessageMilliseconds($0.daemonCPUSeconds), 3) }))
        lines.append(row("bench CPU per message (ms)", phases.map { format($0.perMessageMilliseconds($0.benchCPUSeconds), 3) }))
        lines.append(row("daemon cores busy", phases.map { phase in format(phase.daemonCPUSeconds.map { $0 / phase.seconds }) }))
        lines.append(row("acknowledged (stored exactly once)", phases.map { "\($0.acknowledged) (\($0.stored))" }))
        lines.append(row("load average before → after", phases.map { $0.loadAverage.map { format($0) }.joined(separator: " → ") }))
        lines.append("")
        lines.append("PCD-01/JSON throughput ratio: \(format(json.perSecond > 0 ? hl7.perSecond / json.perSecond : nil))")
        if let rss = daemonPeakRSSBytes { lines.append("daemon peak RSS (VmHWM): \(format(Double(rss) / 1_048_576, 1)) MiB") }
        return lines.joined(separator: "\n")
    }
}
