import Foundation
import InfusionClient
import InfusionCore
import Testing
#if canImport(Glibc)
import Glibc
#endif

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

    // MARK: Session ids by their start (issue 15 item 13)

    @Test("sessions show, observe, act and alerts list take the 8 characters a table shows, or a patient id")
    func shortIdsAndPatientIds() async throws {
        let daemon = try DaemonProcess()
        try await daemon.start()
        let session = try await daemon.client.startSession(Bedside.start(patient: "MRN-7001"))
        let short = DisplayFormat.shortID(session.id)

        let show = try await daemon.ctl(["sessions", "show", short])
        #expect(show.status == 0, "\(show.stderr)")
        #expect(show.stdout.contains("Session \(session.id.uuidString.lowercased())"))
        let byPatient = try await daemon.ctl(["sessions", "show", "MRN-7001", "--format", "json"])
        #expect(byPatient.status == 0, "\(byPatient.stderr)")
        #expect(try WireJSON.decoder().decode(SessionDetail.self, from: Data(byPatient.stdout.utf8)).session.id == session.id)

        let observe = try await daemon.ctl(["observe", short, "--by", "nurse-042", "--hr", "38"])
        #expect(observe.status == 0, "\(observe.stderr)")
        let alerts = try await daemon.ctl(["alerts", "list", "--session", short, "--format", "json"])
        #expect(alerts.status == 0, "\(alerts.stderr)")
        #expect(try WireJSON.decoder().decode(AlertList.self, from: Data(alerts.stdout.utf8)).alerts.allSatisfy { $0.sessionId == session.id })
        let replay = try await daemon.ctl(["sessions", "replay", short])
        #expect(replay.status == 0, "\(replay.stderr)")

        let unknown = try await daemon.ctl(["sessions", "show", "MRN-0000"])
        #expect(unknown.status == 1)
        #expect(unknown.stderr.contains("no session id starts with 'MRN-0000'"))
        #expect(await daemon.terminate() == 0)
    }

    @Test("a prefix of two sessions is refused and both are listed")
    func ambiguousPrefixListsCandidates() async throws {
        let first = Self.cannedSession("1628e20e-4d5e-4f70-8192-a3b4c5d6e7f8", patient: "MRN-1001")
        let second = Self.cannedSession("1628e2ff-0000-4000-8000-000000000001", patient: "MRN-1002")
        let daemon = try CannedDaemon(["/v1/sessions?state=all": try WireJSON.encode(SessionList(sessions: [first, second]))])
        defer { daemon.stop() }
        let result = try await DaemonProcess.run("\(DaemonProcess.binaryFolder)/infusionctl", ["sessions", "show", "1628e2", "--socket", daemon.path])
        #expect(result.status == 1)
        #expect(result.stderr.contains("'1628e2' matches 2 sessions"))
        #expect(result.stderr.contains(first.id.uuidString.lowercased()) && result.stderr.contains(second.id.uuidString.lowercased()))
        #expect(result.stderr.contains("MRN-1001") && result.stderr.contains("MRN-1002"))
    }

    // MARK: Escape sequences from stations (issue 15 item 11)

    @Test("an ESC in a patient id or a reason is shown escaped in tables, show and error messages")
    func controlCharactersAreShownEscaped() async throws {
        var session = Self.cannedSession("3f2a1b2c-4d5e-4f70-8192-a3b4c5d6e7f8", patient: "MRN\u{1B}[2J1001")
        session.prescriber = "clin\u{9B}31m-017\u{202E}"
        let problem = Problem(status: 404, code: "session.notFound", title: "Not found", detail: "no session \u{1B}]0;owned\u{07}")
        let daemon = try CannedDaemon([
            "/v1/sessions?state=open": try WireJSON.encode(SessionList(sessions: [session])),
            "/v1/sessions/\(session.id.uuidString.lowercased())":
                try WireJSON.encode(SessionDetail(session: session, openAlerts: [], lastObservation: nil, recentDecisions: [])),
        ], notFound: try WireJSON.encode(problem))
        defer { daemon.stop() }
        let ctl = "\(DaemonProcess.binaryFolder)/infusionctl"
        let list = try await DaemonProcess.run(ctl, ["sessions", "list", "--socket", daemon.path])
        let show = try await DaemonProcess.run(ctl, ["sessions", "show", session.id.uuidString, "--socket", daemon.path])
        let refused = try await DaemonProcess.run(ctl, ["sessions", "show", UUID().uuidString, "--socket", daemon.path])
        let json = try await DaemonProcess.run(ctl, ["sessions", "show", session.id.uuidString, "--format", "json", "--socket", daemon.path])
        #expect(list.status == 0 && show.status == 0 && refused.status == 1 && json.status == 0, "\(list.stderr)\(show.stderr)\(json.stderr)")
        for output in [list.stdout, show.stdout, refused.stderr, json.stdout] {
            #expect(!output.unicodeScalars.contains { TerminalText.isUnsafe($0) && $0 != "\n" }, "raw control in \(output.debugDescription)")
        }
        #expect(list.stdout.contains(#"MRN\u{1B}[2J1001"#))
        #expect(show.stdout.contains(#"MRN\u{1B}[2J1001"#) && show.stdout.contains(#"clin\u{9B}31m-017\u{202E}"#))
        #expect(refused.stderr.contains(#"no session \u{1B}]0;owned\u{7}"#))
        // JSON stays JSON: the same values decode from it.
        #expect(try WireJSON.decoder().decode(SessionDetail.self, from: Data(json.stdout.utf8)).session.prescriber == session.prescriber)
    }

    // MARK: Files the export writes (issue 15 item 7)

    @Test("audit export refuses a link planted at FILE, FILE.partial, FILE.checkpoint or FILE.prefix, even with --force")
    func exportRefusesPlantedLinks() async throws {
        let daemon = try DaemonProcess()
        try await daemon.start()
        _ = try await daemon.client.startSession(Bedside.start())
        let folder = "\(daemon.folder)/out"
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        let victim = "\(folder)/victim"
        for suffix in [".partial", ".checkpoint", ".prefix", ""] {
            for force in [false, true] {
                try "root-owned secret\n".write(toFile: victim, atomically: false, encoding: .utf8)
                chmod(victim, 0o640)
                let file = "\(folder)/audit-\(suffix.dropFirst())-\(force).jsonl"
                try FileManager.default.createSymbolicLink(atPath: file + suffix, withDestinationPath: victim)
                let result = try await daemon.ctl(["audit", "export", "--from", "2", "-o", file, "--by", "auditor-3"] + (force ? ["--force"] : []))
                #expect(result.status == 1, "a link at \(suffix.isEmpty ? "FILE" : "FILE" + suffix) (force \(force)) was accepted")
                #expect(result.stderr.contains("symbolic link"), "\(result.stderr)")
                #expect(try String(contentsOfFile: victim, encoding: .utf8) == "root-owned secret\n")
                #expect(PrivateFile.permissions(victim) == 0o640)
                #expect(PrivateFile.existing(file + suffix) == .symbolicLink)
                for other in ["", ".partial", ".checkpoint", ".prefix"] where other != suffix {
                    #expect(PrivateFile.existing(file + other) == .none, "\(file + other) was left behind")
                }
            }
        }
        // A dangling link would have created the file it names.
        let dangling = "\(folder)/dangling.jsonl"
        try FileManager.default.createSymbolicLink(atPath: dangling + ".partial", withDestinationPath: "\(folder)/created-through-link")
        #expect(try await daemon.ctl(["audit", "export", "-o", dangling]).status == 1)
        #expect(PrivateFile.existing("\(folder)/created-through-link") == .none)
        #expect(await daemon.terminate() == 0)
    }

    @Test("audit export writes FILE, FILE.checkpoint and FILE.prefix mode 0600 and replaces them only with --force")
    func exportFilesArePrivate() async throws {
        let daemon = try DaemonProcess()
        try await daemon.start()
        _ = try await daemon.client.startSession(Bedside.start())
        let file = "\(daemon.folder)/audit.jsonl"
        let exported = try await daemon.ctl(["audit", "export", "--from", "2", "-o", file, "--by", "auditor-3"])
        #expect(exported.status == 0, "\(exported.stderr)")
        for path in [file, file + ".checkpoint", file + ".prefix"] {
            #expect(PrivateFile.existing(path) == .regularFile)
            #expect(PrivateFile.permissions(path) == 0o600, "\(path)")
        }
        #expect(PrivateFile.existing(file + ".partial") == .none)
        let again = try await daemon.ctl(["audit", "export", "-o", file])
        #expect(again.status == 1 && again.stderr.contains("--force"))
        // From record 1 there is no prefix: the old one goes, being a file of this export's name and --force given.
        let forced = try await daemon.ctl(["audit", "export", "-o", file, "--force"])
        #expect(forced.status == 0, "\(forced.stderr)")
        #expect(PrivateFile.existing(file + ".prefix") == .none)
        #expect(PrivateFile.permissions(file) == 0o600)
        #expect(await daemon.terminate() == 0)
    }

    /// A session as the daemon would send it, with the given id and patient.
    static func cannedSession(_ id: String, patient: String) -> Session {
        Session(
            id: UUID(uuidString: id)!, patientId: patient, drug: .lidocaine, state: .running, weightKg: 70, heightCm: 175,
            sex: .male, dosingWeight: .actual, dosingWeightKg: 70, bolus: nil, infusion: InfusionOrder(rateMgPerKgPerHour: 1),
            prescriber: "clin-017", startedBy: "nurse-042", startedAt: Date(), baseline: Bedside.baseline, override: nil,
            ruleSetHash: "test")
    }
}

/// A stand-in for the daemon on a Unix socket that answers GET requests with fixed JSON bodies: it sends what the
/// real daemon would refuse to store (control characters) and ids chosen to collide.
final class CannedDaemon: @unchecked Sendable {
    let path: String
    private let listener: Int32
    private let thread: Thread

    /// Serves `bodies` by request target (path and query); anything else is a 404 with `notFound` as its problem.
    init(_ bodies: [String: Data], notFound: Data = Data(#"{"type":"about:blank","title":"Not found","status":404,"detail":"none","code":"notFound"}"#.utf8)) throws {
        path = "/tmp/cd-\(UUID().uuidString.prefix(8).lowercased()).sock"
        let listening = socket(AF_UNIX, Int32(SOCK_STREAM.rawValue), 0)
        listener = listening
        var address = sockaddr_un()
        address.sun_family = sa_family_t(AF_UNIX)
        let path = self.path
        withUnsafeMutableBytes(of: &address.sun_path) { raw in
            let bytes = Array(path.utf8)
            raw.copyBytes(from: bytes)
            raw[bytes.count] = 0
        }
        let bound = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(listening, $0, socklen_t(MemoryLayout<sockaddr_un>.size)) }
        }
        guard listening >= 0, bound == 0, listen(listening, 8) == 0 else { throw DaemonError("cannot listen on \(path)") }
        thread = Thread {
            while true {
                let connection = accept(listening, nil, nil)
                guard connection >= 0 else { return }
                var request = Data()
                var buffer = [UInt8](repeating: 0, count: 4096)
                while !request.contains("\r\n\r\n".utf8) {
                    let count = recv(connection, &buffer, buffer.count, 0)
                    if count <= 0 { break }
                    request.append(contentsOf: buffer[0..<count])
                }
                let target = String(decoding: request, as: UTF8.self).split(separator: " ").dropFirst().first.map(String.init) ?? ""
                let (status, body) = bodies[target].map { ("200 OK", $0) } ?? ("404 Not Found", notFound)
                let type = status.hasPrefix("200") ? "application/json" : "application/problem+json"
                let response = Data("HTTP/1.1 \(status)\r\nContent-Type: \(type)\r\nContent-Length: \(body.count)\r\nConnection: close\r\n\r\n".utf8) + body
                _ = response.withUnsafeBytes { send(connection, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL)) }
                close(connection)
            }
        }
        thread.start()
    }

    /// Stops listening and removes the socket.
    func stop() {
        shutdown(listener, Int32(SHUT_RDWR))
        close(listener)
        unlink(path)
    }
}
