import Foundation
import Histogram
import InfusionCore

/// What one post returned: the acknowledged event and the alert changes its answer named.
struct Posted: Sendable {
    var eventId: UUID
    var alerts: [Alert]
}

/// Runs concurrent stations, each posting its share of the workload one observation after another, and measures
/// each post; shared by the daemon run and the baseline so both do exactly the same work.
enum Stations {
    static func run(
        stations: Int, observations: Int, sessionIds: [UUID], workload: Workload,
        post: @escaping @Sendable (UUID, ObservationRequest) async throws -> Posted
    ) async throws -> StationResult {
        let clock = ContinuousClock()
        return try await withThrowingTaskGroup(of: StationResult.self) { group in
            for station in 0..<stations {
                let share = observations / stations + (station < observations % stations ? 1 : 0)
                group.addTask {
                    var result = StationResult()
                    for index in 0..<share {
                        let sessionId = sessionIds[(station + index * stations) % sessionIds.count]
                        let observation = workload.observation(index, station: station)
                        let sent = clock.now
                        let posted = try await post(sessionId, observation)
                        let acknowledged = clock.now
                        result.latency.record(microseconds(acknowledged - sent))
                        result.acknowledged.append((sessionId, posted.eventId))
                        result.alertsRaised += posted.alerts.count
                        if !posted.alerts.isEmpty {
                            result.alertObservations.append(
                                AlertObservation(sent: sent, acknowledged: acknowledged, changes: posted.alerts.map(AlertChangeKey.init)))
                        }
                    }
                    return result
                }
            }
            var merged = StationResult()
            for try await result in group { merged.merge(result) }
            return merged
        }
    }
}
