import Foundation
import InfusionClient
import InfusionCore
import Testing
#if canImport(Glibc)
import Glibc
#endif

/// Alerts reaching people through the real daemon: overdue observations on time (also across a restart), the live
/// stream with resume, clean shutdown with clients connected, `alerts watch`, hooks, SIGHUP reload and replay.
@Suite("End to end: schedule timers, alert stream, hooks, reload, replay", .serialized)
struct AlertDeliveryTests {
    /// The observation schedule in seconds: a set every 4 s, L20 (low) once more than 2 s late.
    static let fastSchedule = """
        schedule:
          afterStart: [{every: 4s, for: 1h}]
          maintenanceEvery: 1h
          afterEnd: {every: 4s, for: 8s, forWithSymptoms: 12s}
          overdue: {lowAfter: 2s, mediumAfter: 1h, pauseDuringLoadingAfter: 2h}
          staleFeedAfter: 1h

        """

    /// How late after the due time plus grace an overdue alert may come and still be "on time" (the timer ticks
    /// every 0.2 s; the rest is slack for a loaded machine).
    static let onTime: TimeInterval = 3

    static func fastDaemon() throws -> DaemonProcess {
        let daemon = try DaemonProcess(extraConfig: "timers:\n  tickSeconds: 0.2\n")
        let profiles = try DaemonProcess.profilesFolder(in: daemon.folder, schedule: fastSchedule)
        let handle = try FileHandle(forWritingTo: URL(fileURLWithPath: daemon.configPath))
        try handle.seekToEnd()
        try handle.write(contentsOf: Data("profilesDirectory: \(profiles)\n".utf8))
        try handle.close()
        return daemon
    }

    static func overdueAlert(_ client: InfusionClient, session: UUID) async throws -> Alert? {
        try await client.alerts(session: session).first { $0.ruleId == "L20" }
    }

    @Test("a session left without observations raises L20 on time, also when it fell due while the daemon was down")
    func overdueOnTimeAndAfterRestart() async throws {
        let daemon = try Self.fastDaemon()
        try await daemon.start()
        let client = daemon.client

        let first = try await client.startSession(Bedside.start(patient: "MRN-2001"))
        let alert = try await daemon.eventually("the overdue alert") { try await Self.overdueAlert(client, session: first.id) }
        let dueAndGrace = first.startedAt.addingTimeInterval(4 + 2)
        #expect(alert.priority == .low && alert.state == .active)
        #expect(alert.raisedAt > dueAndGrace)
        #expect(alert.raisedAt.timeIntervalSince(dueAndGrace) < Self.onTime, "raised \(alert.raisedAt.timeIntervalSince(dueAndGrace)) s after due + grace")

        // An observation clears it.
        let observed = try await client.observe(sessionId: first.id, Bedside.observation(vitals: Bedside.baseline))
        #expect(observed.alerts.contains { $0.id == alert.id && $0.state == .resolved })

        // A second session falls due while the daemon is down.
        let second = try await client.startSession(Bedside.start(patient: "MRN-2002"))
        #expect(await daemon.terminate() == 0)
        let secondDue = second.startedAt.addingTimeInterval(4 + 2)
        let downUntil = secondDue.addingTimeInterval(1)
        if downUntil > Date() { try await Task.sleep(for: .milliseconds(Int(downUntil.timeIntervalSinceNow * 1000))) }
        let restartedAt = Date()
        try await daemon.start()
        let caught = try await daemon.eventually("the overdue alert after the restart") { try await Self.overdueAlert(client, session: second.id) }
        #expect(caught.raisedAt >= WireJSON.truncatedToMilliseconds(restartedAt))
        #expect(caught.raisedAt.timeIntervalSince(restartedAt) < Self.onTime, "raised \(caught.raisedAt.timeIntervalSince(restartedAt)) s after the restart began")

        let detail = try await client.session(id: second.id)
        #expect(detail.schedule?.overdueSeconds ?? 0 > 2)
        #expect(try await daemon.replayDifferences().isEmpty)
        #expect(await daemon.terminate() == 0)
    }

    @Test("the stream shows alerts as they happen; a reconnect with Last-Event-ID misses nothing; heartbeats and curl work")
    func streamAndResume() async throws {
        let daemon = try DaemonProcess(extraConfig: "alertStream:\n  heartbeatSeconds: 0.5\n")
        try await daemon.start()
        let client = daemon.client

        let live = StreamRecorder()
        let follower = StreamRecorder.follow(client.alertStream(), into: live)
        _ = try await daemon.eventually("the stream to open") { await live.openedAfter }
        let session = try await client.startSession(Bedside.start())
        let tinnitus = try await client.observe(sessionId: session.id, Bedside.observation([.tinnitus]))
        let pauseAlert = try #require(tinnitus.alerts.first)
        let raised = try await daemon.eventually("the raised event") { await live.events.first { $0.alert.id == pauseAlert.id } }
        #expect(raised.kind == .raised && raised.alert.ruleId == "L10")
        _ = try await client.acknowledge(alertId: pauseAlert.id, AcknowledgeRequest(by: "nurse-042"))
        let acknowledged = try await daemon.eventually("the acknowledgement") { await live.events.first { $0.kind == .acknowledged } }
        #expect(acknowledged.alert.acknowledgedBy == "nurse-042" && acknowledged.id > raised.id)
        _ = try await daemon.eventually("a heartbeat") { await live.heartbeats > 0 ? true : nil }

        // Disconnect, let more happen, reconnect after the last event seen.
        follower.cancel()
        let lastSeen = acknowledged.id
        _ = try await client.act(sessionId: session.id, ActionRequest(action: .resume, by: "clin-017", reason: "settled"))
        let stop = try await client.observe(sessionId: session.id, Bedside.observation([.tinnitus, .perioralNumbness]))
        _ = try await client.act(sessionId: session.id, ActionRequest(action: .pumpStopped, by: "nurse-042"))
        for alert in stop.alerts where alert.state == .active {
            _ = try await client.acknowledge(alertId: alert.id, AcknowledgeRequest(by: "nurse-042"))
        }
        let everything = StreamRecorder()
        let all = StreamRecorder.follow(client.alertStream(after: 0), into: everything)
        // Raised and acknowledged L10, raised L11, then its acknowledgement and resolution (the pump was confirmed).
        _ = try await daemon.eventually("the full history") { () async -> Bool? in
            let events = await everything.events
            return events.count >= 5 && events.last?.kind == .resolved ? true : nil
        }
        all.cancel()
        let history = await everything.events
        #expect(history.map(\.id) == Array(1...Int64(history.count)))

        let resumed = StreamRecorder()
        let resumer = StreamRecorder.follow(client.alertStream(after: lastSeen), into: resumed)
        let missed = history.filter { $0.id > lastSeen }
        _ = try await daemon.eventually("the missed events") { await resumed.events.count >= missed.count ? true : nil }
        #expect(await resumed.events == missed)
        #expect(missed.contains { $0.kind == .raised && $0.alert.ruleId == "L11" } && missed.contains { $0.kind == .resolved })
        resumer.cancel()

        // The same with curl, as an operator would watch it.
        let curl = try await DaemonProcess.run("/usr/bin/curl", ["-N", "-s", "--max-time", "3", "--unix-socket", daemon.socketPath,
                                                            "-H", "Last-Event-ID: \(lastSeen)", "http://localhost/v1/alerts/stream"])
        #expect(curl.stdout.contains("id: \(lastSeen + 1)\nevent: alert."))
        #expect(!curl.stdout.contains("id: \(lastSeen)\n"))
        let badResume = try await DaemonProcess.run("/usr/bin/curl", ["-s", "--unix-socket", daemon.socketPath, "-H", "Last-Event-ID: soon", "http://localhost/v1/alerts/stream"])
        #expect(badResume.stdout.contains("request.badHeader"))

        #expect(try await daemon.replayDifferences().isEmpty)
        #expect(await daemon.terminate() == 0)
    }

    @Test("SIGTERM with stream clients connected exits within 5 s and ends their streams cleanly")
    func shutdownWithClients() async throws {
        let daemon = try DaemonProcess(extraConfig: "alertStream:\n  heartbeatSeconds: 15\n")
        try await daemon.start()
        let recorders = [StreamRecorder(), StreamRecorder(), StreamRecorder()]
        let followers = recorders.map { StreamRecorder.follow(daemon.client.alertStream(), into: $0) }
        for recorder in recorders { _ = try await daemon.eventually("a stream to open") { await recorder.openedAfter } }
        let curl = try DaemonProcess.spawn("/usr/bin/curl", ["-N", "-s", "--unix-socket", daemon.socketPath, "http://localhost/v1/alerts/stream"], in: daemon.folder)
        _ = try await daemon.eventually("curl to connect") { (try? String(contentsOfFile: curl.stdout, encoding: .utf8))?.contains("alert stream") == true ? true : nil }

        let started = ContinuousClock.now
        let status = await daemon.terminate(timeout: 10)
        let took = ContinuousClock.now - started
        #expect(status == 0)
        #expect(took < .seconds(5), "SIGTERM took \(took)")
        for recorder in recorders {
            _ = try await daemon.eventually(within: .seconds(5), "the stream to end") { await recorder.ended ? true : nil }
            #expect(await recorder.failure == nil)
        }
        #expect(await DaemonProcess.wait(for: curl.process, timeout: .seconds(5)) == 0)
        for follower in followers { follower.cancel() }
        let stop = try await DaemonProcess.run("/usr/bin/sqlite3", [daemon.databasePath, "SELECT CAST(record AS TEXT) FROM audit_records ORDER BY seq DESC LIMIT 1"])
        #expect(stop.stdout.contains("\"action\":\"daemon.stop\"") && stop.stdout.contains("\"graceful\":true"))
    }

    @Test("infusionctl alerts watch prints events as they come; sessions replay --all finds nothing different")
    func watchAndReplayCommands() async throws {
        let daemon = try DaemonProcess()
        try await daemon.start()
        let watch = try DaemonProcess.spawn("\(DaemonProcess.binaryFolder)/infusionctl",
                                            ["alerts", "watch", "--after", "0", "--count", "2", "--format", "json", "--socket", daemon.socketPath],
                                            in: daemon.folder)
        let session = try await daemon.client.startSession(Bedside.start())
        let paused = try await daemon.client.observe(sessionId: session.id, Bedside.observation([.tinnitus]))
        _ = try await daemon.client.acknowledge(alertId: try #require(paused.alerts.first).id, AcknowledgeRequest(by: "nurse-042"))
        #expect(await DaemonProcess.wait(for: watch.process, timeout: .seconds(20)) == 0)
        let lines = try String(contentsOfFile: watch.stdout, encoding: .utf8).split(separator: "\n")
        let events = try lines.map { try WireJSON.decoder().decode(AlertEvent.self, from: Data($0.utf8)) }
        #expect(events.map(\.kind) == [.raised, .acknowledged])

        let text = try await daemon.ctl(["alerts", "watch", "--after", "0", "--count", "1"])
        #expect(text.status == 0 && text.stdout.contains("raised") && text.stdout.contains("L10"))

        let replay = try await daemon.ctl(["sessions", "replay", "--all"])
        #expect(replay.status == 0, "\(replay.stdout)\(replay.stderr)")
        #expect(replay.stdout.contains("No differences"))
        let one = try await daemon.ctl(["sessions", "replay", session.id.uuidString, "--format", "json"])
        #expect(try WireJSON.decoder().decode(ReplayReport.self, from: Data(one.stdout.utf8)).identical)
        let unknown = try await daemon.ctl(["sessions", "replay", UUID().uuidString])
        #expect(unknown.status == 1 && unknown.stderr.contains("session.notFound"))
        let show = try await daemon.ctl(["sessions", "show", session.id.uuidString])
        #expect(show.stdout.contains("Next observation"))
        #expect(await daemon.terminate() == 0)
    }

    @Test("hooks get each alert event and each stop or pause on stdin; a failing hook is audited, retried and blocks nothing")
    func hooks() async throws {
        let probe = try DaemonProcess()
        let alertFile = "\(probe.folder)/alerts.jsonl"
        let daemon = try DaemonProcess(extraConfig: """
            hooks:
              onAlert: [/bin/sh, -c, "cat >> \(alertFile)"]
              onStop: [/bin/sh, -c, "cat > /dev/null; exit 3"]
              timeoutSeconds: 5

            """)
        try await daemon.start()
        let session = try await daemon.client.startSession(Bedside.start())
        let started = ContinuousClock.now
        let paused = try await daemon.client.observe(sessionId: session.id, Bedside.observation([.tinnitus]))
        #expect(ContinuousClock.now - started < .seconds(5))
        #expect(paused.session.state == .paused)
        let line = try await daemon.eventually("the alert hook") { () -> String? in
            (try? String(contentsOfFile: alertFile, encoding: .utf8))?.split(separator: "\n").first.map(String.init)
        }
        let event = try WireJSON.decoder().decode(AlertEvent.self, from: Data(line.utf8))
        #expect(event.kind == .raised && event.alert.ruleId == "L10" && event.alert.sessionId == session.id)
        let failure = try await daemon.eventually("the audited hook failure") {
            try await daemon.client.audit(after: 0, limit: 1000).records.map(\.record).first { $0.action == "hook.retry" }
        }
        #expect(failure.outcome == "failure")
        guard case .object(let detail) = failure.detail else { throw DaemonError("hook.retry without detail") }
        #expect(detail["hook"] == "onStop" && detail["result"] == "exited 3")
        #expect(daemon.log.contains("hook failed"))
        #expect(await daemon.terminate() == 0)
    }

    @Test("SIGHUP reloads the profiles and audits the new hash; a broken file keeps the old rules and says why")
    func sighupReload() async throws {
        let probe = try DaemonProcess()
        let profiles = try DaemonProcess.profilesFolder(in: probe.folder, schedule: "")
        let file = "\(profiles)/lidocaine.yaml"
        let daemon = try DaemonProcess(extraConfig: "profilesDirectory: \(profiles)\n")
        try await daemon.start()
        let before = try await daemon.client.health().ruleSetHash
        let pid = try #require(daemon.process?.processIdentifier)

        let text = try String(contentsOfFile: file, encoding: .utf8)
        try (text + "\n# reviewed by the medicines committee\n").write(toFile: file, atomically: true, encoding: .utf8)
        kill(pid, SIGHUP)
        let after = try await daemon.eventually("the new rules") { () async throws -> String? in
            let hash = try await daemon.client.health().ruleSetHash
            return hash != before ? hash : nil
        }
        try (text + "\nmaintenanceEvery: 1h\n").write(toFile: file, atomically: true, encoding: .utf8)
        kill(pid, SIGHUP)
        let refused = try await daemon.eventually("the refused reload") {
            try await daemon.client.audit(after: 0, limit: 1000).records.map(\.record).first { $0.action == "config.reload" && $0.outcome == "refused" }
        }
        guard case .object(let detail) = refused.detail else { throw DaemonError("config.reload without detail") }
        #expect(detail["problem"]?.stringValue?.contains("lidocaine.yaml:") == true)
        #expect(detail["problem"]?.stringValue?.contains("maintenanceEvery") == true)
        #expect(try await daemon.client.health().ruleSetHash == after)
        #expect(daemon.log.contains("profile reload refused"))
        #expect(process(daemon) == true, "the daemon must keep running after a refused reload")
        let reloads = try await daemon.client.audit(after: 0, limit: 1000).records.map(\.record).filter { $0.action == "config.reload" }
        #expect(reloads.map(\.outcome) == ["success", "refused"])
        #expect(await daemon.terminate() == 0)
    }

    private func process(_ daemon: DaemonProcess) -> Bool? { daemon.process?.isRunning }
}
