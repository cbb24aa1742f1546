import Foundation
import InfusionClient
import InfusionCore
import Testing

/// Starts the real daemon on a temporary socket and works through it as a station, a clinician and an auditor.
@Suite("End to end: the real daemon over its Unix socket", .serialized)
struct ClinicalWorkflowTests {
    @Test("a nurse, a clinician and an auditor each do their job; SIGTERM exits 0 and audits the stop")
    func wardShift() async throws {
        let daemon = try DaemonProcess()
        try await daemon.start()
        let client = daemon.client

        // Clinician starts an order; the station posts a normal set, then tinnitus.
        let session = try await client.startSession(Bedside.start())
        #expect(session.state == .running && session.doses.infusionMgPerHour == 70)
        let normal = try await client.observe(sessionId: session.id, Bedside.observation(vitals: Bedside.baseline))
        #expect(normal.decisions.isEmpty)
        let tinnitus = try await client.observe(sessionId: session.id, Bedside.observation([.tinnitus]))
        #expect(tinnitus.decisions.map(\.ruleId) == ["L10"])
        #expect(tinnitus.session.state == .paused)
        let pauseAlert = try #require(tinnitus.alerts.first)
        #expect(pauseAlert.priority == .medium)

        // The nurse acknowledges; the clinician resumes with a reason.
        #expect(try await client.acknowledge(alertId: pauseAlert.id, AcknowledgeRequest(by: "nurse-042", note: "vitals taken")).state == .acknowledged)
        let resumed = try await client.act(sessionId: session.id, ActionRequest(action: .resume, by: "clin-017", reason: "tinnitus settled"))
        #expect(resumed.session.state == .running)

        // Two early signs together stop the order and latch a high alert until the pump is confirmed stopped.
        let stop = try await client.observe(sessionId: session.id, Bedside.observation([.tinnitus, .perioralNumbness]))
        #expect(stop.decisions.contains { $0.ruleId == "L11" && $0.action == .stop })
        #expect(stop.session.state == .stopped)
        let stopAlert = try #require(stop.alerts.first { $0.ruleId == "L11" })
        #expect(stopAlert.latched && stopAlert.priority == .high && stopAlert.guidance != nil)
        let active = try await client.alerts(state: "active")
        #expect(active.contains { $0.id == stopAlert.id })

        // A stopped order cannot resume.
        await #expect {
            _ = try await client.act(sessionId: session.id, ActionRequest(action: .resume, by: "clin-017", reason: "again"))
        } throws: { error in
            guard case .problem(let problem)? = error as? InfusionClientError else { return false }
            return problem.status == 409 && problem.code == "session.stopped"
        }

        _ = try await client.act(sessionId: session.id, ActionRequest(action: .pumpStopped, by: "nurse-042"))
        #expect(try await client.acknowledge(alertId: stopAlert.id, AcknowledgeRequest(by: "nurse-042")).state == .resolved)
        let detail = try await client.session(id: session.id)
        #expect(detail.session.pumpConfirmedStoppedAt != nil)
        #expect(detail.recentDecisions.contains { $0.decision.ruleId == "L11" })

        // The auditor reads and verifies the trail.
        let verification = try await client.verifyAudit()
        #expect(verification.ok)
        let actions = try await client.audit(after: 0, limit: 1000).records.map(\.record.action)
        for expected in ["daemon.start", "session.start", "observation.accept", "decision.record", "alert.raise", "alert.acknowledge", "session.resume", "session.pumpStopped", "alert.resolve"] {
            #expect(actions.contains(expected), "no \(expected) record")
        }
        // Every decision of the shift is reproduced by a replay with the recorded rules.
        #expect(try await daemon.replayDifferences().isEmpty)

        #expect(await daemon.terminate() == 0)
        let stopRecord = try await DaemonProcess.run("/usr/bin/sqlite3", [daemon.databasePath, "SELECT CAST(record AS TEXT) FROM audit_records ORDER BY seq DESC LIMIT 1"])
        #expect(stopRecord.stdout.contains("\"action\":\"daemon.stop\""))
    }

    @Test("acknowledged data survives a restart and the chain still verifies")
    func restartKeepsEverything() async throws {
        let daemon = try DaemonProcess()
        try await daemon.start()
        let session = try await daemon.client.startSession(Bedside.start())
        let observation = Bedside.observation([.headache])
        let first = try await daemon.client.observe(sessionId: session.id, observation)
        #expect(first.decisions.map(\.ruleId) == ["L12"])
        #expect(await daemon.terminate() == 0)

        try await daemon.start()
        let events = try await daemon.client.events(sessionId: session.id)
        #expect(events.events.map(\.id).contains(observation.eventId))
        // The retry after the restart still gets the original answer and stores nothing new.
        let retry = try await daemon.client.observe(sessionId: session.id, observation)
        #expect(retry == first)
        #expect(try await daemon.client.events(sessionId: session.id).events.count == events.events.count)
        let verification = try await daemon.client.verifyAudit()
        #expect(verification.ok)
        #expect(try await daemon.replayDifferences().isEmpty)
        #expect(await daemon.terminate() == 0)
    }

    @Test("the socket is mode 0660 and a second daemon refuses to take it over")
    func socketFile() async throws {
        let daemon = try DaemonProcess()
        try await daemon.start()
        let attributes = try FileManager.default.attributesOfItem(atPath: daemon.socketPath)
        #expect((attributes[.posixPermissions] as? Int) == 0o660)

        let second = try await DaemonProcess.run("\(DaemonProcess.binaryFolder)/infusiond", ["serve", "--config", daemon.configPath])
        #expect(second.status != 0)
        #expect(second.stderr.contains("already serving"))
        #expect(try await daemon.client.health().status == "ok")
        #expect(await daemon.terminate() == 0)
        #expect(!FileManager.default.fileExists(atPath: daemon.socketPath))
    }

    @Test("the database refuses DELETE on the audit trail even from the sqlite3 shell")
    func auditTableAppendOnly() async throws {
        let daemon = try DaemonProcess()
        try await daemon.start()
        _ = try await daemon.client.startSession(Bedside.start())
        #expect(await daemon.terminate() == 0)
        let delete = try await DaemonProcess.run("/usr/bin/sqlite3", [daemon.databasePath, "DELETE FROM audit_records"])
        #expect(delete.status != 0)
        #expect(delete.stderr.contains("append-only"))
        let update = try await DaemonProcess.run("/usr/bin/sqlite3", [daemon.databasePath, "UPDATE events SET recorded_by = 'x'"])
        #expect(update.status != 0)
    }

    @Test("a bad config file stops the daemon before it serves, naming file and line")
    func badConfig() async throws {
        let daemon = try DaemonProcess(extraConfig: "sockedMode: \"0600\"\n")
        let result = try await DaemonProcess.run("\(DaemonProcess.binaryFolder)/infusiond", ["serve", "--config", daemon.configPath])
        #expect(result.status == 78)
        #expect(result.stderr.contains("\(daemon.configPath):4: unknown setting 'sockedMode'"))
    }
}
