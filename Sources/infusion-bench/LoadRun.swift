import Foundation
import Histogram
import InfusionClient
import InfusionCore

/// Concurrent stations against the daemon, then a check that every acknowledged observation is stored once.
struct LoadRun: Sendable {
    let client: InfusionClient
    let stations: Int
    let observations: Int
    let sessions: Int
    let symptomPercent: Double

    func run(progress: Progress) async throws -> BenchReport {
        var sessionIds: [UUID] = []
        for index in 0..<sessions {
            sessionIds.append(try await client.startSession(Workload.start(index)).id)
        }
        let workload = Workload(symptomPercent: symptomPercent)
        let client = self.client
        let clock = ContinuousClock()
        let started = clock.now
        let results = try await Stations.run(stations: stations, observations: observations, sessionIds: sessionIds, workload: workload) { sessionId, observation in
            let response = try await client.observe(sessionId: sessionId, observation)
            progress.advance()
            return (response.event.id, response.alerts.count)
        }
        let elapsed = clock.now - started
        let verification = try await verify(results.acknowledged)
        return BenchReport(
            stations: stations, sessions: sessions, observations: observations,
            daemon: Measurement(acknowledged: results.acknowledged.count, seconds: seconds(elapsed), latency: results.latency),
            alertsRaised: results.alertsRaised, verification: verification)
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

/// One station's measurements.
struct StationResult {
    var latency = Histogram<UInt64>(highestTrackableValue: 120_000_000, numberOfSignificantValueDigits: .three)
    var acknowledged: [(UUID, UUID)] = []
    var alertsRaised = 0

    mutating func merge(_ other: StationResult) {
        latency.add(other.latency)
        acknowledged += other.acknowledged
        alertsRaised += other.alertsRaised
    }
}

func microseconds(_ duration: Duration) -> UInt64 {
    let (seconds, attoseconds) = duration.components
    return UInt64(max(0, seconds)) * 1_000_000 + UInt64(max(0, attoseconds) / 1_000_000_000_000)
}

func seconds(_ duration: Duration) -> Double {
    let (seconds, attoseconds) = duration.components
    return Double(seconds) + Double(attoseconds) / 1e18
}
