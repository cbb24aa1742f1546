import Foundation
import Histogram
import InfusionCore

/// One alert change, as both the acknowledgement (`EventResponse.alerts`) and the stream (`AlertEvent.alert`) show
/// it: the alert as it stood after the change. Each change writes the alert's `updatedAt` (milliseconds on the wire)
/// with its new state, priority and escalation level, so together they name one change unambiguously.
struct AlertChangeKey: Hashable, Sendable {
    var alertId: Int64
    var state: AlertState
    var priority: AlertPriority
    var escalationLevel: Int
    /// `updatedAt` in whole milliseconds, the precision the wire carries.
    var updatedAtMilliseconds: Int64

    init(_ alert: Alert) {
        alertId = alert.id
        state = alert.state
        priority = alert.priority
        escalationLevel = alert.escalationLevel
        updatedAtMilliseconds = Int64((alert.updatedAt.timeIntervalSince1970 * 1000).rounded())
    }
}

/// An acknowledged observation whose answer named alert changes: when it was sent, when its answer came, and the
/// changes the stream must deliver for it.
struct AlertObservation: Sendable {
    var sent: ContinuousClock.Instant
    var acknowledged: ContinuousClock.Instant
    var changes: [AlertChangeKey]
}

/// When the stream subscriber received one alert change, and what kind of change the stream called it.
struct StreamReceipt: Sendable {
    var received: ContinuousClock.Instant
    var kind: AlertEventKind
}

/// Alert delivery on the stream, joined from the stations' side (sent, acknowledged, changes) and the subscriber's
/// side (received), after the run: an event may arrive before its acknowledgement, so neither side can measure
/// alone.
struct AlertDelivery: Encodable {
    /// Observations whose acknowledgement named at least one alert change.
    var observations = 0
    /// Alert changes those acknowledgements named: the events the stream owed the subscriber.
    var expectedEvents = 0
    /// Of those, the events the subscriber received.
    var matchedEvents = 0
    /// Alert events the stream delivered that no acknowledgement named (e.g. timer escalations).
    var otherEvents = 0
    /// Matched events by kind (raised, escalated, resolved, …).
    var matchedByKind: [String: Int] = [:]
    /// Observations for which every named change arrived on the stream.
    var observationsDelivered = 0
    /// Matched events that arrived on the stream before the observation's HTTP answer.
    var eventsBeforeAcknowledgement = 0
    /// From sending the observation to receiving the last of its alert events on the stream (delivered ones only).
    var latency = Histogram<UInt64>.latencyMicroseconds()
    /// From sending the same observations to their acknowledgement.
    var acknowledgementLatency = Histogram<UInt64>.latencyMicroseconds()

    var missingEvents: Int { expectedEvents - matchedEvents }

    /// Joins both sides. An observation counts towards `latency` only when all its changes arrived; towards
    /// `acknowledgementLatency` always, so a missing event cannot flatter the ratio (and is reported as missing).
    static func join(observations: [AlertObservation], received: [AlertChangeKey: StreamReceipt]) -> AlertDelivery {
        var result = AlertDelivery()
        var named = Set<AlertChangeKey>()
        for observation in observations where !observation.changes.isEmpty {
            result.observations += 1
            result.acknowledgementLatency.record(microseconds(observation.acknowledged - observation.sent))
            var last: ContinuousClock.Instant?
            var complete = true
            for change in observation.changes {
                result.expectedEvents += 1
                named.insert(change)
                guard let receipt = received[change] else {
                    complete = false
                    continue
                }
                result.matchedEvents += 1
                result.matchedByKind[receipt.kind.rawValue, default: 0] += 1
                if receipt.received < observation.acknowledged { result.eventsBeforeAcknowledgement += 1 }
                last = max(last ?? receipt.received, receipt.received)
            }
            if complete, let last {
                result.observationsDelivered += 1
                result.latency.record(microseconds(last - observation.sent))
            }
        }
        result.otherEvents = received.keys.filter { !named.contains($0) }.count
        return result
    }

    /// Alert p99 over acknowledgement p99 of the same observations (target ≤ 1.5).
    var p99Ratio: Double {
        let ack = acknowledgementLatency.milliseconds(at: 99)
        return ack > 0 ? latency.milliseconds(at: 99) / ack : 0
    }

    enum CodingKeys: String, CodingKey {
        case observations, expectedEvents, matchedEvents, missingEvents, otherEvents, matchedByKind,
             observationsDelivered, eventsBeforeAcknowledgement, latencyMs, acknowledgementLatencyMs, p99Ratio
    }

    func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(observations, forKey: .observations)
        try container.encode(expectedEvents, forKey: .expectedEvents)
        try container.encode(matchedEvents, forKey: .matchedEvents)
        try container.encode(missingEvents, forKey: .missingEvents)
        try container.encode(otherEvents, forKey: .otherEvents)
        try container.encode(matchedByKind, forKey: .matchedByKind)
        try container.encode(observationsDelivered, forKey: .observationsDelivered)
        try container.encode(eventsBeforeAcknowledgement, forKey: .eventsBeforeAcknowledgement)
        try container.encode(latency.millisecondSummary, forKey: .latencyMs)
        try container.encode(acknowledgementLatency.millisecondSummary, forKey: .acknowledgementLatencyMs)
        try container.encode(p99Ratio, forKey: .p99Ratio)
    }

    /// The report's lines about alert delivery.
    func textLines() -> [String] {
        func format(_ value: Double) -> String { String(format: "%.2f", value) }
        var lines = ["alert delivery on the stream (send → event received), \(observationsDelivered) of \(observations) alert-changing observations:"]
        for percentile in [50.0, 90, 99, 99.9] {
            let name = percentile == 99.9 ? "p99.9" : "p\(Int(percentile))"
            lines.append("  alert latency \(name) (ms)".padding(toLength: 34, withPad: " ", startingAt: 0)
                + format(latency.milliseconds(at: percentile)).leftPadded(to: 10)
                + "   ack latency of the same observations: \(format(acknowledgementLatency.milliseconds(at: percentile)))")
        }
        let kinds = matchedByKind.sorted { $0.key < $1.key }.map { "\($0.key) \($0.value)" }.joined(separator: ", ")
        lines.append("  alert events matched: \(matchedEvents)/\(expectedEvents) (\(kinds)); \(eventsBeforeAcknowledgement) arrived before their acknowledgement; \(otherEvents) other events")
        lines.append("  alert p99 / ack p99 of the same observations: \(format(p99Ratio)) (target ≤ 1.5)")
        if missingEvents > 0 {
            lines.append("  FAILURE: \(missingEvents) alert event(s) named by an acknowledgement never arrived on the stream")
        }
        return lines
    }
}
