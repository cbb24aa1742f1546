import Foundation
import InfusionClient
import InfusionCore
import Synchronization
import Testing
#if canImport(Glibc)
import Glibc
#endif

/// Kills the daemon with SIGKILL at random moments under load and proves nothing acknowledged is lost or doubled.
/// `INFUSION_CRASH_KILLS` sets the number of kills (CI: 20; `scripts/crash-test.sh --kills 500` for a long run).
@Suite("Crash safety: SIGKILL under load", .serialized)
struct CrashTests {
    static var kills: Int { ProcessInfo.processInfo.environment["INFUSION_CRASH_KILLS"].flatMap(Int.init) ?? 20 }

    /// What the stations learned: observations the daemon acknowledged, and ones whose fate is unknown.
    final class Ledger: Sendable {
        let acknowledged = Mutex<[UUID: UUID]>([:])
        let unanswered = Mutex<[UUID: UUID]>([:])
        /// Per session, the latest bedside time among its acknowledged observations.
        let latestAcknowledged = Mutex<[UUID: Date]>([:])
    }

    @Test("every acknowledged observation survives each kill exactly once; the audit chain verifies after each restart")
    func killUnderLoad() async throws {
        let daemon = try DaemonProcess()
        try await daemon.start()
        var sessionIds: [UUID] = []
        for index in 0..<6 {
            sessionIds.append(try await daemon.client.startSession(Bedside.start(patient: "MRN-CRASH-\(index)")).id)
        }
        let ledger = Ledger()
        var generator = SystemRandomNumberGenerator()
        for kill in 1...Self.kills {
            let ids = sessionIds
            let client = daemon.client
            let load = Task {
                await withTaskGroup(of: Void.self) { group in
                    for station in 0..<4 {
                        group.addTask {
                            var index = 0
                            while !Task.isCancelled {
                                let sessionId = ids[(station + index) % ids.count]
                                index += 1
                                let observation = Bedside.observation(index % 7 == 0 ? [.headache] : [], vitals: Bedside.baseline)
                                do {
                                    _ = try await client.observe(sessionId: sessionId, observation)
                                    ledger.acknowledged.withLock { $0[observation.eventId] = sessionId }
                                    ledger.latestAcknowledged.withLock {
                                        $0[sessionId] = max($0[sessionId] ?? observation.observedAt, observation.observedAt)
                                    }
                                } catch {
                                    ledger.unanswered.withLock { $0[observation.eventId] = sessionId }
                                    return
                                }
                            }
                        }
                    }
                }
            }
            try await Task.sleep(for: .milliseconds(Int.random(in: 20...400, using: &generator)))
            if let pid = daemon.process?.processIdentifier { Glibc.kill(pid, SIGKILL) }
            _ = await daemon.terminate(timeout: 10)
            await load.value
            try await daemon.start()
            let verification = try await Self.check(daemon: daemon, sessions: sessionIds, ledger: ledger, kill: kill)
            if kill % 10 == 0 || kill == Self.kills {
                let acknowledged = ledger.acknowledged.withLock { $0.count }
                print("crash suite: kill \(kill)/\(Self.kills) checked, \(acknowledged) acknowledged observations so far, all present exactly once; audit chain of \(verification.recordsChecked) records and \(verification.checkpointsChecked ?? 0) checkpoints verifies")
            }
        }
        let acknowledged = ledger.acknowledged.withLock { $0.count }
        let unanswered = ledger.unanswered.withLock { $0.count }
        print("crash suite: \(Self.kills) kills, \(acknowledged) acknowledged observations all present exactly once, \(unanswered) in flight at a kill; open sessions and their due times intact after every restart")
        #expect(acknowledged > Self.kills, "the load must have made progress between kills")
        #expect(await daemon.terminate() == 0)
    }

    static func check(daemon: DaemonProcess, sessions: [UUID], ledger: Ledger, kill: Int) async throws -> AuditVerification {
        var stored: [UUID: Int] = [:]
        var openSessions = 0
        for sessionId in sessions {
            let log = try await daemon.client.events(sessionId: sessionId)
            for event in log.events where event.kind == .observation { stored[event.id, default: 0] += 1 }
            // Every stored decision belongs to a stored event: nothing half-written.
            let eventIds = Set(log.events.map(\.id))
            #expect(log.decisions.allSatisfy { eventIds.contains($0.eventId) }, "kill \(kill): a decision without its event")
            let detail = try await daemon.client.session(id: sessionId)
            if detail.session.state.isOpen { openSessions += 1 }
            checkDueTime(detail, events: log.events, latestAcknowledged: ledger.latestAcknowledged.withLock { $0[sessionId] }, kill: kill)
        }
        #expect(openSessions == sessions.count, "kill \(kill): open sessions must stay open")
        let acknowledged = ledger.acknowledged.withLock { $0 }
        let missing = acknowledged.keys.filter { stored[$0, default: 0] == 0 }
        #expect(missing.isEmpty, "kill \(kill): \(missing.count) acknowledged observations lost")
        #expect(stored.values.allSatisfy { $0 == 1 }, "kill \(kill): an observation stored twice")
        let unanswered = ledger.unanswered.withLock { $0 }
        #expect(stored.keys.allSatisfy { acknowledged[$0] != nil || unanswered[$0] != nil }, "kill \(kill): an event nobody sent")
        let verification = try await daemon.client.verifyAudit()
        #expect(verification.ok, "kill \(kill): audit chain broken: \(verification.problem ?? "")")
        return verification
    }

    /// The schedule the restarted daemon reports counts from the latest stored observation, which is no earlier than
    /// the latest acknowledged one, and the next observation is due after it, within the longest interval (1 h).
    static func checkDueTime(_ detail: SessionDetail, events: [ClinicalEvent], latestAcknowledged: Date?, kill: Int) {
        guard let schedule = detail.schedule, let anchor = schedule.lastObservationAt, let due = schedule.nextDueAt else {
            Issue.record("kill \(kill): session \(detail.session.id) has no observation due")
            return
        }
        let start = events.first { $0.kind == .start }?.occurredAt ?? .distantPast
        let latestStored = events.filter { $0.kind == .observation }.map(\.occurredAt).max() ?? start
        #expect(abs(anchor.timeIntervalSince(max(latestStored, start))) < 0.002,
                "kill \(kill): the schedule counts from \(anchor), the latest stored observation is \(latestStored)")
        if let latestAcknowledged {
            #expect(anchor.timeIntervalSince(latestAcknowledged) > -0.002, "kill \(kill): the schedule forgot an acknowledged observation")
        }
        #expect(due > anchor && due.timeIntervalSince(anchor) <= 3600, "kill \(kill): next observation due \(due) for an anchor of \(anchor)")
    }
}
