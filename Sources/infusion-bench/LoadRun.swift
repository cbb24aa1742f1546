import Foundation
import Histogram
import InfusionClient
import InfusionCore

/// Concurrent stations against the daemon with alert-stream subscribers connected, then a check that every
/// acknowledged observation is stored once and that the stream delivered every alert change the answers named.
struct LoadRun: Sendable {
    let client: InfusionClient
    let stations: Int
    let observations: Int
    let sessions: Int
    let symptomPercent: Double
    /// Stream clients besides the one that measures delivery (the memory scenario's 50 clients).
    var extraStreamClients = 0
    /// Called once sessions are open and streams connected, just before the stations start.
    var beforeLoad: @Sendable () -> Void = {}

    func run(progress: Progress) async throws -> BenchReport {
        let sessionIds = try await Self.openSessions(sessions, client: client, concurrency: stations, progress: progress)
        // The measuring subscriber connects before any observation is posted, so it owes us every alert change.
        let subscriber = try await AlertSubscriber.connect(client)
        defer { subscriber.stop() }
        var others: [AlertSubscriber] = []
        defer { for other in others { other.stop() } }
        for _ in 0..<extraStreamClients { others.append(try await AlertSubscriber.connect(client)) }
        if extraStreamClients > 0 { progress.note("connected \(extraStreamClients + 1) alert stream clients") }
        beforeLoad()
        let workload = Workload(symptomPercent: symptomPercent)
        let client = self.client
        let clock = ContinuousClock()
        let started = clock.now
        let results = try await Stations.run(stations: stations, observations: observations, sessionIds: sessionIds, workload: workload) { sessionId, observation in
            let response = try await client.observe(sessionId: sessionId, observation)
            progress.advance()
            return Posted(eventId: response.event.id, alerts: response.alerts)
        }
        let elapsed = clock.now - started
        let expected = Set(results.alertObservations.flatMap(\.changes))
        if !(await subscriber.waitFor(expected, timeout: .seconds(30))) {
            progress.note("alert stream: not every alert change arrived within 30 s of the last acknowledgement\(subscriber.failure.map { " (\($0))" } ?? "")")
        }
        let delivery = AlertDelivery.join(observations: results.alertObservations, received: subscriber.receipts)
        var streamClients: StreamClients?
        if extraStreamClients > 0 {
            let target = subscriber.eventCount
            for other in others { _ = await other.waitFor(events: target, timeout: .seconds(30)) }
            let counts = ([subscriber] + others).map(\.eventCount)
            streamClients = StreamClients(clients: counts.count, minEvents: counts.min() ?? 0, maxEvents: counts.max() ?? 0,
                                          failures: ([subscriber] + others).compactMap(\.failure).count)
        }
        let verification = try await verify(results.acknowledged)
        var report = BenchReport(
            stations: stations, sessions: sessions, observations: observations,
            daemon: Measurement(acknowledged: results.acknowledged.count, seconds: seconds(elapsed), latency: results.latency),
            alertsRaised: results.alertsRaised, verification: verification, alertDelivery: delivery)
        report.streamClients = streamClients
        report.workload = workload.description
        return report
    }

    /// Opens `count` bench sessions, `concurrency` at a time; returns their ids in order.
    static func openSessions(_ count: Int, client: InfusionClient, concurrency: Int, progress: Progress) async throws -> [UUID] {
        let ids = try await withThrowingTaskGroup(of: [(Int, UUID)].self) { group in
            for lane in 0..<max(1, concurrency) {
                group.addTask {
                    var opened: [(Int, UUID)] = []
                    for index in stride(from: lane, to: count, by: max(1, concurrency)) {
                        opened.append((index, try await client.startSession(Workload.start(index)).id))
                    }
                    return opened
                }
            }
            var all: [(Int, UUID)] = []
            for try await opened in group { all += opened }
            return all.sorted { $0.0 < $1.0 }.map(\.1)
        }
        if count >= 100 { progress.note("opened \(count) sessions") }
        return ids
    }

    /// Reads every session's event log back and counts each acknowledged eventId.
    private func verify(_ acknowledged: [(UUID, UUID)]) async throws -> Verification {
        var stored: [UUID: Int] = [:]
        for sessionId in Set(acknowledged.map(\.0)) {
            for event in try await client.events(sessionId: sessionId).events where event.kind == .observation {
                stored[event.id, default: 0] += 1
            }
        }
        var verification = Verification(checked: acknowledged.count, missing: 0, duplicated: 0)
        for (_, eventId) in acknowledged {
            switch stored[eventId, default: 0] {
            case 0: verification.missing += 1
            case 1: break
            default: verification.duplicated += 1
            }
        }
        return verification
    }
}

/// What the memory scenario's stream clients received.
struct StreamClients: Encodable {
    var clients: Int
    var minEvents: Int
    var maxEvents: Int
    var failures: Int
}

/// One station's measurements.
struct StationResult {
    var latency = Histogram<UInt64>.latencyMicroseconds()
    var acknowledged: [(UUID, UUID)] = []
    var alertsRaised = 0
    /// The observations whose answer named alert changes, for the alert-delivery join.
    var alertObservations: [AlertObservation] = []

    mutating func merge(_ other: StationResult) {
        latency.add(other.latency)
        acknowledged += other.acknowledged
        alertsRaised += other.alertsRaised
        alertObservations += other.alertObservations
    }
}

func seconds(_ duration: Duration) -> Double {
    let (seconds, attoseconds) = duration.components
    return Double(seconds) + Double(attoseconds) / 1e18
}
