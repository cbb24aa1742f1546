import Foundation
import GRDB
import InfusionClient
import InfusionCore
import Testing

/// The background integrity check through the real daemon: a database damaged in a page the start does not read
/// is served at once and then reported (health `degraded`, the `database.integrity` system alert on the stream, in
/// `infusionctl alerts watch` and through the `onAlert` hook, `database.integrityFailed` in the audit trail), its
/// changes refused with `503 database.damaged` while reads work; a sound database logs its pass after serving; a
/// file that is not a database is still refused at start.
@Suite("End to end: integrity check in the background")
struct IntegrityCheckEndToEndTests {
    /// A leaf page about a third of the way through a table's b-tree, in key order (`dbstat.path`), and the page
    /// size, read from a stopped daemon's database file.
    static func leafPage(of table: String, in path: String) async throws -> (page: Int, size: Int) {
        let queue = try DatabaseQueue(path: path)
        defer { try? queue.close() }
        return try await queue.read { db in
            let pages = try Int.fetchAll(db, sql: "SELECT pageno FROM dbstat WHERE name = ? AND pagetype = 'leaf' ORDER BY path", arguments: [table])
            guard pages.count >= 6 else { throw DaemonError("\(table) has only \(pages.count) leaf pages") }
            return (pages[pages.count / 3], try Int.fetchOne(db, sql: "PRAGMA page_size") ?? 4096)
        }
    }

    /// Overwrites one page of a stopped daemon's database with bytes that are not a b-tree page; the write-ahead
    /// log of a graceful stop is empty, and goes.
    static func scribble(on path: String, page: Int, pageSize: Int) throws {
        for suffix in ["-wal", "-shm"] { try? FileManager.default.removeItem(atPath: path + suffix) }
        let handle = try FileHandle(forUpdating: URL(fileURLWithPath: path))
        defer { try? handle.close() }
        try handle.seek(toOffset: UInt64((page - 1) * pageSize))
        try handle.write(contentsOf: Data(repeating: 0xA5, count: pageSize))
    }

    /// Waits until `condition` holds (polled every 100 ms), or fails the test.
    static func eventually(_ what: String, timeout: Duration = .seconds(60), _ condition: () async throws -> Bool) async throws {
        let deadline = ContinuousClock.now + timeout
        while ContinuousClock.now < deadline {
            if try await condition() { return }
            try await Task.sleep(for: .milliseconds(100))
        }
        Issue.record("timed out waiting for \(what)")
    }

    @Test("a page damaged where the start does not read: served at once, then degraded; changes 503 database.damaged, reads work; stream, watch, hook and audit trail told")
    func damagedServedDegraded() async throws {
        let daemon = try DaemonProcess()
        // An onAlert hook that keeps the notices it is given.
        let hook = "\(daemon.folder)/hook.sh"
        try "#!/bin/sh\ncat >> \(daemon.folder)/notices.jsonl\n".write(toFile: hook, atomically: true, encoding: .utf8)
        try FileManager.default.setAttributes([.posixPermissions: 0o755], ofItemAtPath: hook)
        let config = try FileHandle(forWritingTo: URL(fileURLWithPath: daemon.configPath))
        try config.seekToEnd()
        try config.write(contentsOf: Data("hooks:\n  onAlert: [\(hook)]\n".utf8))
        try config.close()

        // A finished session with enough events to span many pages, and one still running.
        try await daemon.start()
        let client = daemon.client
        let finished = try await client.startSession(Bedside.start(patient: "MRN-3001"))
        for _ in 0..<120 { _ = try await client.observe(sessionId: finished.id, Bedside.observation(vitals: Vitals(heartRateBpm: 70))) }
        _ = try await client.act(sessionId: finished.id, ActionRequest(action: .stop, by: "clin-017", reason: "course complete"))
        _ = try await client.act(sessionId: finished.id, ActionRequest(action: .pumpStopped, by: "nurse-042"))
        for alert in try await client.alerts(session: finished.id) where alert.state == .active {
            _ = try await client.acknowledge(alertId: alert.id, AcknowledgeRequest(by: "clin-017"))
        }
        _ = try await client.act(sessionId: finished.id, ActionRequest(
            action: .close, by: "clin-017", override: Override(by: "clin-017", reason: "observed on the ward after the stop")))
        let running = try await client.startSession(Bedside.start(patient: "MRN-3002"))
        _ = try await client.observe(sessionId: running.id, Bedside.observation(vitals: Vitals(heartRateBpm: 72)))
        #expect(await daemon.terminate() == 0)

        // Damage a page of the finished session's events: opening, migrating, the audit checks of the start and
        // the running session never read it; only a check of every page does.
        let (page, size) = try await Self.leafPage(of: "events", in: daemon.databasePath)
        try Self.scribble(on: daemon.databasePath, page: page, pageSize: size)

        try await daemon.start()
        let served = try await client.health()
        try await Self.eventually("health to say degraded") { try await client.health().status == "degraded" }
        let health = try await client.health()
        let alert = try #require(health.systemAlerts?.first { $0.id == "database.integrity" })
        #expect(alert.priority == .high)
        #expect(alert.guidance.contains("infusiond restore") && alert.guidance.contains(daemon.databasePath))
        #expect(alert.raisedAt >= served.startedAt)
        #expect(daemon.log.contains("database failed quick_check"))
        #expect(!daemon.log.contains("database passed quick_check"))

        // A change is refused with the restore steps; reads work.
        do {
            _ = try await client.observe(sessionId: running.id, Bedside.observation(vitals: Vitals(heartRateBpm: 72)))
            Issue.record("an observation was accepted on a damaged database")
        } catch InfusionClientError.problem(let problem) {
            #expect(problem.status == 503 && problem.code == "database.damaged")
            #expect(problem.detail.contains("infusiond restore"))
        }
        #expect(try await client.session(id: running.id).session.id == running.id)
        #expect(try await client.listSessions().map(\.id) == [running.id])

        // The stream says so to a client that connects while it holds, and so does `alerts watch`.
        let recorder = StreamRecorder()
        let follower = StreamRecorder.follow(client.alertStream(), into: recorder)
        try await Self.eventually("the stream's system event", timeout: .seconds(20)) { await !recorder.systemAlerts.isEmpty }
        #expect(await recorder.systemAlerts.first?.id == "database.integrity")
        follower.cancel()
        let watch = try await DaemonProcess.run("/usr/bin/timeout", ["-s", "INT", "3", "\(DaemonProcess.binaryFolder)/infusionctl",
                                                                     "alerts", "watch", "--socket", daemon.socketPath])
        #expect(watch.stdout.contains("SYSTEM ALERT (high) database.integrity"), "\(watch.stdout) \(watch.stderr)")

        // The hook was run with it, and the failure is the trail's last word.
        let notices = "\(daemon.folder)/notices.jsonl"
        try await Self.eventually("the onAlert notice", timeout: .seconds(20)) { FileManager.default.fileExists(atPath: notices) }
        let notice = try String(contentsOfFile: notices, encoding: .utf8)
        #expect(notice.contains(#""deliveryId":"system-database.integrity-"#) && notice.contains(#""kind":"system""#))
        let failure = try #require(try await client.auditTail(count: 20).last { $0.record.action == "database.integrityFailed" })
        #expect(failure.record.outcome == "failure")

        #expect(await daemon.terminate() == 0)
        #expect(daemon.log.contains("the stop is not recorded in the audit trail: writes are refused"))
    }

    @Test("a sound database serves, then logs its pass of quick_check with the time it took")
    func healthyPassesAfterServing() async throws {
        let daemon = try DaemonProcess()
        try await daemon.start()
        try await Self.eventually("the pass line", timeout: .seconds(30)) { daemon.log.contains("database passed quick_check") }
        let line = try #require(daemon.log.split(separator: "\n").first { $0.contains("database passed quick_check") })
        #expect(line.contains("infusion.duration="))
        let health = try await daemon.client.health()
        #expect(health.status == "ok" && health.systemAlerts == nil)
        #expect(try await daemon.client.startSession(Bedside.start()).state == .running)
        #expect(await daemon.terminate() == 0)
    }

    @Test("a file that is not a database is refused at start with the restore steps")
    func notADatabaseRefused() async throws {
        let daemon = try DaemonProcess()
        try await daemon.start()
        #expect(await daemon.terminate() == 0)
        // The header (the first 100 bytes of page 1) is what makes the file a database.
        try Self.scribble(on: daemon.databasePath, page: 1, pageSize: 100)
        do {
            try await daemon.start()
            Issue.record("the daemon started on a file that is not a database")
        } catch {
            #expect("\(error)".contains("is damaged"))
            #expect("\(error)".contains("SQLITE_NOTADB"))
            #expect("\(error)".contains("infusiond restore BACKUP-FILE"))
        }
    }
}
