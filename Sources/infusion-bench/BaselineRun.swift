import Foundation
import Histogram
import InfusionCore
import InfusionStore

/// The naive ceiling: the same rows through the same store code and pragmas, one transaction per event
/// (group commit off), no socket; the same number of concurrent writers.
struct BaselineRun {
    let stations: Int
    let observations: Int
    let sessions: Int
    let symptomPercent: Double

    func run() async throws -> Measurement {
        let folder = "/tmp/ib-base-\(UUID().uuidString.prefix(8).lowercased())"
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: folder) }
        let store = ClinicalStore(database: try ClinicalDatabase(path: "\(folder)/infusion.sqlite"), maxBatchSize: 1)
        let ruleSet = try BenchProfile.ruleSet()
        let actor = AuditActor(person: "nurse-bench")
        var sessionIds: [UUID] = []
        for index in 0..<sessions {
            sessionIds.append(try await store.startSession(Workload.start(index), ruleSet: ruleSet, actor: actor, now: Date()).id)
        }
        let workload = Workload(symptomPercent: symptomPercent)
        let clock = ContinuousClock()
        let started = clock.now
        let merged = try await Stations.run(stations: stations, observations: observations, sessionIds: sessionIds, workload: workload) { sessionId, observation in
            let (response, _) = try await store.recordObservation(sessionId: sessionId, request: observation, ruleSet: ruleSet,
                                                                  actor: actor, now: Date())
            return Posted(eventId: response.event.id, alerts: response.alerts)
        }
        return Measurement(acknowledged: observations, seconds: seconds(clock.now - started), latency: merged.latency)
    }
}
