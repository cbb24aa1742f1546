import Foundation
import InfusionClient
import InfusionCore
import Testing

/// `infusionctl` against the real daemon, as people on the ward use it.
@Suite("End to end: infusionctl", .serialized)
struct CommandLineTests {
    @Test("demo walks the tinnitus pause, the L11 stop, the acknowledgements and the audit records")
    func demo() async throws {
        let daemon = try DaemonProcess()
        try await daemon.start()
        let result = try await daemon.ctl(["demo"])
        #expect(result.status == 0, "\(result.stderr)")
        for text in ["L10", "pause", "L11", "stop", "high, latched", "resolved", "alert.acknowledge", "infusionctl audit verify"] {
            #expect(result.stdout.contains(text), "demo output lacks \(text)")
        }
        let verify = try await daemon.ctl(["audit", "verify"])
        #expect(verify.status == 0)
        #expect(verify.stdout.contains("OK") || verify.stdout.lowercased().contains("ok"))
        #expect(try await daemon.replayDifferences().isEmpty)
        #expect(await daemon.terminate() == 0)
    }

    @Test("sessions show and alerts list print the decision and the alert; --format json decodes")
    func showAndList() async throws {
        let daemon = try DaemonProcess()
        try await daemon.start()
        let session = try await daemon.client.startSession(Bedside.start())
        _ = try await daemon.client.observe(sessionId: session.id, Bedside.observation([.perioralNumbness]))

        let show = try await daemon.ctl(["sessions", "show", session.id.uuidString])
        #expect(show.status == 0)
        #expect(show.stdout.contains("paused"))
        #expect(show.stdout.contains("L10"))
        let alerts = try await daemon.ctl(["alerts", "list"])
        #expect(alerts.status == 0)
        #expect(alerts.stdout.contains("L10") && alerts.stdout.contains("medium"))

        let json = try await daemon.ctl(["sessions", "show", session.id.uuidString, "--format", "json"])
        #expect(json.status == 0)
        let detail = try WireJSON.decoder().decode(SessionDetail.self, from: Data(json.stdout.utf8))
        #expect(detail.session.id == session.id && detail.session.state == .paused)
        let list = try await daemon.ctl(["sessions", "list", "--format", "json"])
        #expect(list.status == 0 && list.stdout.contains(session.id.uuidString.lowercased()) || list.stdout.contains(session.id.uuidString))
        #expect(await daemon.terminate() == 0)
    }

    @Test("observe and ack from the command line act on the session")
    func observeAndAcknowledge() async throws {
        let daemon = try DaemonProcess()
        try await daemon.start()
        let session = try await daemon.client.startSession(Bedside.start())
        let observe = try await daemon.ctl(["observe", session.id.uuidString, "--by", "nurse-042", "--hr", "38"])
        #expect(observe.status == 0, "\(observe.stderr)")
        #expect(observe.stdout.contains("L04"))
        let alert = try #require(try await daemon.client.alerts(session: session.id).first)
        let ack = try await daemon.ctl(["alerts", "ack", String(alert.id), "--by", "nurse-042", "--note", "doctor called"])
        #expect(ack.status == 0)
        #expect(try await daemon.client.alerts(state: "acknowledged", session: session.id).map(\.id) == [alert.id])
        let refused = try await daemon.ctl(["observe", session.id.uuidString, "--by", "nurse-042", "--hr", "400"])
        #expect(refused.status == 1)
        #expect(refused.stderr.contains("observation.implausible"))
        #expect(await daemon.terminate() == 0)
    }

    @Test("an unreachable daemon is exit code 69 with a hint")
    func unreachable() async throws {
        let result = try await DaemonProcess.run("\(DaemonProcess.binaryFolder)/infusionctl", ["status", "--socket", "/tmp/no-such-\(UUID().uuidString.prefix(6)).sock"])
        #expect(result.status == 69)
        #expect(result.stderr.contains("Is the daemon running?"))
    }

    @Test("--help explains each command")
    func help() async throws {
        for command in [["--help"], ["sessions", "start", "--help"], ["observe", "--help"], ["audit", "verify", "--help"], ["demo", "--help"]] {
            let result = try await DaemonProcess.run("\(DaemonProcess.binaryFolder)/infusionctl", command)
            #expect(result.status == 0)
            #expect(result.stdout.contains("USAGE") || result.stdout.contains("Usage"))
        }
    }
}
