import Foundation
import InfusionStore
import Prometheus
import Synchronization

/// The daemon's Prometheus metrics (`GET /metrics`): request counts, commit latency and stream clients counted
/// as they happen, and clinical totals read from the database at each scrape.
///
/// Each daemon (and each test) has its own registry, so tests never see one another's counts. The executable also
/// points swift-metrics at ``registry`` so library metrics appear in the same output.
public final class DaemonMetrics: Sendable {
    /// The registry everything is registered in.
    public let registry: PrometheusCollectorRegistry
    private let commitLatency: DurationHistogram
    private let commitBatchSize: ValueHistogram
    private let streamClientGauge: Gauge
    private let databaseReadable: Gauge
    private let startTime: Gauge
    /// The clinical totals last emitted, so counters advance by the difference (they may never go down).
    private let emitted = Mutex(StoreMetricCounts())
    /// Serialises scrapes so two concurrent ones cannot both add the same difference.
    private let scrapeLock = Mutex(())

    /// Upper bounds of the commit-latency buckets: an fsync on a healthy SSD takes about a millisecond; several
    /// hundred milliseconds means the storage is struggling.
    public static let commitBuckets: [Duration] = [
        .microseconds(500), .milliseconds(1), .milliseconds(2), .milliseconds(5), .milliseconds(10),
        .milliseconds(25), .milliseconds(50), .milliseconds(100), .milliseconds(250), .milliseconds(500),
        .seconds(1), .milliseconds(2500), .seconds(5),
    ]

    public init(startedAt: Date = Date()) {
        registry = PrometheusCollectorRegistry()
        commitLatency = registry.makeDurationHistogram(
            descriptor: Self.name("commit_duration", unit: "seconds",
                                  help: "Time to commit one write transaction (a group of requests) with synchronous=FULL."),
            buckets: Self.commitBuckets)
        commitBatchSize = registry.makeValueHistogram(
            descriptor: Self.name("commit_batch_size", unit: "requests", help: "Requests that shared one committed transaction."),
            buckets: [1, 2, 4, 8, 16, 32, 64, 128, 256])
        streamClientGauge = registry.makeGauge(
            descriptor: Self.name("stream_clients", unit: "", help: "Clients connected to the alert stream now."))
        databaseReadable = registry.makeGauge(
            descriptor: Self.name("database_readable", unit: "", help: "1 when the last scrape could read the database, else 0."))
        startTime = registry.makeGauge(
            descriptor: Self.name("start_time", unit: "seconds", help: "When the daemon started, in seconds since the Unix epoch."))
        startTime.set(startedAt.timeIntervalSince1970)
    }

    static func name(_ metric: String, unit: String, help: String) -> MetricNameDescriptor {
        MetricNameDescriptor(namespace: "infusiond", metricName: metric, unitName: unit, helpText: help)
    }

    /// `infusiond_system_alert{alert=…}`: one series per system alert id, all under this one help text (the
    /// registry refuses a second text for the same name).
    static var systemAlertDescriptor: MetricNameDescriptor {
        name("system_alert", unit: "", help: "System alerts by id: 0 none, 1 low, 2 medium, 3 high.")
    }

    // MARK: Counted as it happens

    /// Counts one answered request by method, route pattern (not the concrete path, so ids do not multiply the
    /// series) and status.
    public func requestFinished(method: String, route: String, status: Int) {
        registry.makeCounter(
            descriptor: Self.name("http_requests", unit: "total", help: "Requests answered, by method, route and status."),
            labels: [("method", method), ("route", route), ("status", String(status))]
        ).increment()
    }

    /// Records one committed transaction: how long the commit took and how many requests it carried.
    public func commitFinished(batchSize: Int, duration: Duration) {
        commitLatency.record(duration)
        commitBatchSize.record(Double(batchSize))
    }

    /// Counts a write refused because storage failed: `full` (SQLITE_FULL) or `io` (I/O error, storage lost).
    public func storageFault(kind: String) {
        registry.makeCounter(
            descriptor: Self.name("storage_faults", unit: "total", help: "Writes refused because the disk was full (full) or storage failed (io)."),
            labels: [("kind", kind)]
        ).increment()
    }

    /// Counts one HL7 message answered on the MLLP listener, by message type (`ORU^R01`, `ORU^R40`, `unreadable`)
    /// and acknowledgement code (`AA`, `AE`, `AR`, `CA`, …, or `none` when the sender asked for none).
    public func hl7MessageAnswered(type: String, code: String) {
        registry.makeCounter(
            descriptor: Self.name("hl7_messages", unit: "total", help: "HL7 messages answered on the MLLP listener, by type and acknowledgement code."),
            labels: [("type", type), ("code", code)]
        ).increment()
    }

    /// A client joined the alert stream; call ``streamClientLeft()`` when it goes.
    public func streamClientJoined() { streamClientGauge.increment() }

    /// A client left the alert stream.
    public func streamClientLeft() { streamClientGauge.decrement() }

    // MARK: Read at each scrape

    /// Brings the clinical totals up to date from the database and returns the whole exposition text.
    /// When the database cannot be read the totals keep their last values and `infusiond_database_readable` is 0.
    public func render(store: ClinicalStore) async -> String {
        let counts = try? await store.metricCounts()
        scrapeLock.withLock { _ in
            if let counts {
                update(to: counts)
                databaseReadable.set(Double(1))
            } else {
                databaseReadable.set(Double(0))
            }
        }
        return registry.emitToString()
    }

    private func update(to counts: StoreMetricCounts) {
        let previous = emitted.withLock { state in
            defer { state = counts }
            return state
        }
        func advance(_ counter: Counter, from old: Int64?, to new: Int64) {
            let delta = new - (old ?? 0)
            if delta > 0 { counter.increment(by: delta) }
        }
        advance(registry.makeCounter(
            descriptor: Self.name("observations_accepted", unit: "total", help: "Observations stored."), labels: []),
                from: previous.observations, to: counts.observations)
        for (key, value) in counts.decisions {
            advance(registry.makeCounter(
                descriptor: Self.name("decisions", unit: "total", help: "Rule decisions taken, by rule and action."),
                labels: [("rule", key.rule), ("action", key.action)]), from: previous.decisions[key], to: value)
        }
        for (priority, value) in counts.alertsRaised {
            advance(registry.makeCounter(
                descriptor: Self.name("alerts_raised", unit: "total", help: "Alerts raised, by their current priority."),
                labels: [("priority", priority)]), from: previous.alertsRaised[priority], to: value)
        }
        let openAlerts = Self.name("alerts_open", unit: "", help: "Unresolved alerts: state active (not acknowledged) or acknowledged, by priority.")
        for state in ["active", "acknowledged"] {
            for priority in ["high", "medium", "low"] {
                registry.makeGauge(descriptor: openAlerts, labels: [("state", state), ("priority", priority)])
                    .set(Double(counts.openAlerts[.init(state: state, priority: priority)] ?? 0))
            }
        }
        registry.makeGauge(descriptor: Self.name("sessions_open", unit: "", help: "Sessions not yet closed."))
            .set(Double(counts.openSessions))
        registry.makeGauge(descriptor: Self.name("audit_records", unit: "", help: "The last audit record's seq."))
            .set(Double(counts.auditRecords))
    }
}
