import Foundation
import Histogram
import InfusionCore

/// Runs concurrent stations, each posting its share of the workload one observation after another, and measures
/// each post; shared by the daemon run and the baseline so both do exactly the same work.
enum Stations {
    static func run(
        stations: Int, observations: Int, sessionIds: [UUID], workload: Workload,
        post: @escaping @Sendable (UUID, ObservationRequest) async throws -> (eventId: UUID, alerts: Int)
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
                        let (eventId, alerts) = try await post(sessionId, observation)
                        result.latency.record(microseconds(clock.now - sent))
                        result.acknowledged.append((sessionId, eventId))
                        result.alertsRaised += alerts
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
