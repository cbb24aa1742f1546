import Foundation
import GRDB
import InfusionClient
import InfusionCore
import Synchronization
import Testing
#if canImport(Glibc)
import Glibc
#endif

/// Kills the daemon with SIGKILL at random moments under load and proves nothing acknowledged is lost or doubled,
/// and kills it while hook notices are pending and proves each is delivered afterwards.
/// `INFUSION_CRASH_KILLS` sets the number of kills (CI: 20; `scripts/crash-test.sh --kills 500` for a long run); the
/// hook run kills a quarter as often (at least 4 times).
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

    @Test("every stop and alert hook notice pending at a kill or a stop is delivered after the restart: at least once, and exactly once by delivery id")
    func killWithHookNoticesPending() async throws {
        let probe = try DaemonProcess()
        let received = "\(probe.folder)/received"
        // A slow receiver, so notices pile up in the outbox and are pending when the daemon dies; it records the
        // delivery id only after reading the whole notice, as a pump gateway or pager would act only then.
        let script = "\(probe.folder)/hook.sh"
        try """
            #!/bin/sh
            cat > /dev/null
            sleep 0.15
            echo "$INFUSIOND_HOOK $INFUSIOND_DELIVERY_ID" >> \(received)

            """.write(toFile: script, atomically: true, encoding: .utf8)
        let daemon = try DaemonProcess(extraConfig: """
            hooks:
              onAlert: [/bin/sh, \(script)]
              onStop: [/bin/sh, \(script)]
              timeoutSeconds: 5
              retryInitialSeconds: 0.2

            """)
        try await daemon.start()
        let rounds = max(4, Self.kills / 4)
        var generator = SystemRandomNumberGenerator()
        var patients = 0
        for round in 1...rounds {
            // Each session: a pause (L10, one alert) then a stop (L11, its alert): two stop and two alert notices.
            for _ in 0..<3 {
                patients += 1
                let session = try await daemon.client.startSession(Bedside.start(patient: "MRN-HOOK-\(patients)"))
                _ = try await daemon.client.observe(sessionId: session.id, Bedside.observation([.tinnitus]))
                _ = try await daemon.client.observe(sessionId: session.id, Bedside.observation([.tinnitus, .perioralNumbness]))
            }
            try await Task.sleep(for: .milliseconds(Int.random(in: 0...300, using: &generator)))
            let pending = try await Self.pendingNotices(daemon)
            // Every other round ends with SIGTERM: a graceful stop must keep what it did not deliver as well.
            if round % 2 == 0 {
                #expect(await daemon.terminate(timeout: 10) == 0)
            } else {
                if let pid = daemon.process?.processIdentifier { Glibc.kill(pid, SIGKILL) }
                _ = await daemon.terminate(timeout: 10)
            }
            #expect(pending > 0, "round \(round): the daemon stopped with no notice pending, so this round tested nothing")
            try await daemon.start()
        }
        let expected = try await Self.expectedNotices(daemon)
        let delivered = try await daemon.eventually(within: .seconds(120), "the delivery of every notice") { () -> [String]? in
            let lines = DeliveryLog.lines(received)
            return Set(lines).isSuperset(of: expected) ? lines : nil
        }
        let counts = Dictionary(delivered.map { ($0, 1) }, uniquingKeysWith: +)
        #expect(Set(counts.keys) == expected, "notices nobody queued: \(Set(counts.keys).subtracting(expected))")
        // At least a pause and a stop per session, each with its alert.
        #expect(expected.count >= patients * 4, "\(expected.count) notices for \(patients) sessions")
        // The receiver logs a notice before the daemon records its delivery and empties the row.
        _ = try await daemon.eventually(within: .seconds(30), "an empty outbox") { () -> Bool? in
            try await Self.pendingNotices(daemon) == 0 ? true : nil
        }
        let failures = try await Self.read(daemon) { db in
            try String.fetchAll(db, sql: "SELECT json_extract(record, '$.action') FROM audit_records WHERE json_extract(record, '$.action') IN ('hook.retry', 'hook.giveUp')")
        }
        #expect(failures.isEmpty, "the receiver never fails, yet: \(failures)")
        print("crash suite (hooks): \(rounds) stops (SIGKILL and SIGTERM) with notices pending; \(expected.count) stop and alert notices all delivered, \(delivered.count - expected.count) of them more than once, each counted once by delivery id")
        #expect(await daemon.terminate() == 0)
    }

    /// The notices the daemon queued: one per stop or pause in the audit trail, one per alert event.
    static func expectedNotices(_ daemon: DaemonProcess) async throws -> Set<String> {
        try await read(daemon) { db in
            let stops = try Int64.fetchAll(db, sql: """
                SELECT seq FROM audit_records WHERE json_extract(record, '$.action') = 'session.state'
                    AND json_extract(record, '$.detail.to') IN ('stopped', 'paused')
                """)
            let alertEvents = try Int64.fetchAll(db, sql: "SELECT id FROM alert_events")
            return Set(stops.map { "onStop stop-\($0)" } + alertEvents.map { "onAlert alert-event-\($0)" })
        }
    }

    static func pendingNotices(_ daemon: DaemonProcess) async throws -> Int {
        try await read(daemon) { db in try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM hook_outbox") ?? 0 }
    }

    /// Reads the running daemon's database beside it (write-ahead logging lets a reader in).
    static func read<T: Sendable>(_ daemon: DaemonProcess, _ body: @escaping @Sendable (Database) throws -> T) async throws -> T {
        var configuration = Configuration()
        configuration.readonly = true
        return try await DatabaseQueue(path: daemon.databasePath, configuration: configuration).read(body)
    }

    /// The receiver's log: one "hook deliveryId" line per notice received.
    enum DeliveryLog {
        static func lines(_ path: String) -> [String] {
            ((try? String(contentsOfFile: path, encoding: .utf8)) ?? "").split(separator: "\n").map(String.init)
        }
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
