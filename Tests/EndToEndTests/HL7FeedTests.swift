import Foundation
import InfusionClient
import InfusionCore
import Testing
#if canImport(Glibc)
import Glibc
#endif

/// The real daemon as a PCD-01/PCD-04 Device Observation Consumer, fed by a client written elsewhere: PyPI `hl7`'s
/// `mllp_send` (pinned in scripts/test) sends over TCP on 127.0.0.1 (docs/HL7.md).
@Suite("HL7 feed end to end: mllp_send to the daemon over MLLP on loopback", .serialized)
struct HL7FeedTests {
    static var mllpSend: String? { TestEnvironment.tool("mllp_send") }

    /// A port nobody listens on now (the kernel's choice for port 0, released at once).
    static func freePort() throws -> Int {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        defer { close(fd) }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        address.sin_port = 0
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        let bound = withUnsafeMutablePointer(to: &address) { pointer in
            pointer.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, length) == 0 && getsockname(fd, $0, &length) == 0 }
        }
        guard bound else { throw DaemonError("cannot find a free port") }
        return Int(UInt16(bigEndian: address.sin_port))
    }

    /// A daemon listening for HL7 on a free loopback port, taking the GE gateway (`VSP`, times in UTC) and `MONGW`.
    static func daemon() async throws -> (DaemonProcess, Int) {
        let port = try freePort()
        let daemon = try DaemonProcess(extraConfig: """
            hl7:
              listen: 127.0.0.1:\(port)
              senders:
                - {application: VSP, facility: GE Healthcare, from: [127.0.0.1], station: ge-central, timeZone: UTC}
                - {application: MONGW, facility: ICU, from: [127.0.0.1], station: icu-monitor-gw}

            """)
        try await daemon.start()
        return (daemon, port)
    }

    /// `yyyyMMddHHmmss` in UTC, `seconds` from now.
    static func hl7Time(_ seconds: TimeInterval = 1, offset: Bool = false) -> String {
        let formatter = DateFormatter()
        formatter.locale = Locale(identifier: "en_US_POSIX")
        formatter.timeZone = TimeZone(identifier: "UTC")
        formatter.dateFormat = "yyyyMMddHHmmss"
        return formatter.string(from: Date().addingTimeInterval(seconds)) + (offset ? "+0000" : "")
    }

    /// Shaped like "Example 1" of the GE B40/B20 Patient Monitor HL7 Reference Manual (2062665-001), with this
    /// test's patient and times: times without an offset (the sender's zone is configured), MSH-15/16 `NE`/`AL`.
    static func geSample(controlId: String = "004097134535", patient: String = "MRN-1001") -> String {
        let time = hl7Time()
        return """
            MSH|^~\\&|VSP^080019FFFE134535^EUI-64|GE Healthcare|||\(time)||ORU^R01^ORU_R01|\(controlId)|P|2.6|||NE|AL||UNICODE UTF-8|||PCD_DEC_001^IHE PCD^1.3.6.1.4.1.19376.1.6.1.1.1^ISO
            PID|||\(patient)^^^PID^MR||LAZY^KITTY^^^^^L
            PV1||R|SURGERY^^V2
            OBR|1|080019FFFE134535\(time)^VSP^080019FFFE134535^EUI-64|080019FFFE134535\(time)^VSP^080019FFFE134535^EUI-64|182777000^monitoring of patient^SCT|||\(time)
            OBX|1||69965^MDC_DEV_MON_PHYSIO_MULTI_PARAM_MDS^MDC|1.0.0.0|||||||X|||||||080019FFFE0B4020^B40_GE
            OBX|2||69798^MDC_DEV_ECG_VMD^MDC|1.5.0.0|||||||X
            OBX|3||69799^MDC_DEV_ECG_CHAN^MDC|1.5.1.0|||||||X
            OBX|4|NM|147842^MDC_ECG_HEART_RATE^MDC|1.5.1.1|80|264864^MDC_DIM_BEAT_PER_MIN^MDC|||||R|||||||080019FFFE0B4020^B40_GE
            OBX|5||69642^MDC_DEV_PULS_OXIM_VMD^MDC|1.22.0.0|||||||X
            OBX|6|NM|150456^MDC_PULS_OXIM_SAT_O2^MDC|1.22.1.2|97|262688^MDC_DIM_PERCENT^MDC|||||R|||||||080019FFFE0B4020^B40_GE
            OBX|7||69682^MDC_DEV_ANALY_AWAY_MULTI_PARAM_VMD^MDC|1.20.0.0|||||||X
            OBX|8|NM|151562^MDC_RESP_RATE^MDC|1.20.1.1|18|264928^MDC_DIM_RESP_PER_MIN^MDC|||||R|||||||080019FFFE0B4020^B40_GE

            """
    }

    /// A monitor gateway's SpO2 reading (original-mode acknowledgement).
    static func spo2(_ value: Int, controlId: String, patient: String) -> String {
        let time = hl7Time(offset: true)
        return """
            MSH|^~\\&|MONGW^0123456789ABCDEF^EUI-64|ICU|||\(time)||ORU^R01^ORU_R01|\(controlId)|P|2.6
            PID|||\(patient)^^^HOSP^MR
            PV1||I|ICU^3^1
            OBR|1|||182777000^monitoring of patient^SCT|||\(time)
            OBX|1||69965^MDC_DEV_MON_PHYSIO_MULTI_PARAM_MDS^MDC|1.0.0.0|||||||X|||||||0123456789ABCDEF^EUI-64
            OBX|2|NM|150456^MDC_PULS_OXIM_SAT_O2^MDC|1.1.2.1|\(value)|262688^MDC_DIM_PERCENT^MDC|||||R

            """
    }

    /// An IHE PCD-04 ventricular tachycardia alarm, phase start, priority high.
    static func ventricularTachycardia(controlId: String, patient: String) -> String {
        let time = hl7Time(offset: true)
        return """
            MSH|^~\\&|MONGW^0123456789ABCDEF^EUI-64|ICU|||\(time)||ORU^R40^ORU_R40|\(controlId)|P|2.6
            PID|||\(patient)^^^HOSP^MR
            PV1||I|ICU^3^1
            OBR|1|\(controlId)^MONGW^0123456789ABCDEF^EUI-64||196616^MDC_EVT_ALARM^MDC|||\(time)
            OBX|1|ST|148160^MDC_ECG_V_TACHY^MDC|1.5.1.148160|Ventricular tachycardia|||PH|||F|||\(time)||||0123456789ABCDEF^EUI-64
            OBX|2|ST|68481^MDC_ATTR_EVENT_PHASE^MDC|1.5.1.148160.2|start||||||F
            OBX|3|ST|68482^MDC_ATTR_ALARM_STATE^MDC|1.5.1.148160.3|active||||||F

            """
    }

    /// Sends a text file (LF line ends, as a vendor's sample is written) with `mllp_send --loose`; returns what it
    /// printed: the acknowledgement's bytes, framing included. The listener may still be binding just after health
    /// answers, so a refused connection is tried again for a few seconds.
    static func send(_ text: String, port: Int, folder: String) async throws -> String {
        let tool = try #require(mllpSend)
        let file = "\(folder)/msg-\(UUID().uuidString.prefix(8)).hl7"
        try text.write(toFile: file, atomically: true, encoding: .utf8)
        let deadline = Date().addingTimeInterval(15)
        while true {
            let result = try await DaemonProcess.run(tool, ["--loose", "-f", file, "-p", String(port), "127.0.0.1"])
            if result.status == 0 { return result.stdout }
            if Date() > deadline { throw DaemonError("mllp_send failed: \(result.stderr)") }
            try await Task.sleep(for: .milliseconds(200))
        }
    }

    static func deviceEvents(_ daemon: DaemonProcess, session: UUID) async throws -> [ClinicalEvent] {
        try await daemon.client.events(sessionId: session).events.filter {
            if case .object(let body) = $0.body, body["device"] != nil { return true }
            return false
        }
    }

    static func field(_ value: JSONValue?, _ path: String...) -> String? {
        var current = value
        for key in path {
            guard case .object(let object) = current else { return nil }
            current = object[key]
        }
        if case .string(let text) = current { return text }
        return nil
    }

    @Test("a vendor's PCD-01 sample is acknowledged AA and stored as a monitor reading with its device; a resend stores nothing",
          .enabled(if: TestEnvironment.runs(mllpSend != nil), "needs hl7==0.4.5 (mllp_send): scripts/test installs it in .build/venv"))
    func vendorSample() async throws {
        let (daemon, port) = try await Self.daemon()
        defer { Task { [daemon] in await daemon.terminate() } }
        let session = try await daemon.client.startSession(Bedside.start())
        let sample = Self.geSample()
        let ack = try await Self.send(sample, port: port, folder: daemon.folder)
        #expect(ack.hasPrefix("\u{0B}MSH|^~\\&|INFUSIOND||VSP^080019FFFE134535^EUI-64|GE Healthcare|"), "\(ack)")
        #expect(ack.contains("|ACK^R01^ACK|"))
        #expect(ack.contains("\rMSA|AA|004097134535\r"), "\(ack)")
        #expect(!ack.contains("ERR|"))
        #expect(ack.hasSuffix("\u{1C}\r\n"))
        let events = try await Self.deviceEvents(daemon, session: session.id)
        #expect(events.count == 1)
        let body = try #require(events.first?.body)
        #expect(Self.field(body, "device", "deviceId") == "080019FFFE0B4020")
        #expect(Self.field(body, "device", "station") == "ge-central")
        #expect(Self.field(body, "device", "messageControlId") == "004097134535")
        #expect(Self.field(body, "feedId") == "080019FFFE0B4020")
        #expect(events.first?.recordedBy == "ge-central")
        let observation = try WireJSON.decoder().decode(ObservationRequest.self, from: try WireJSON.encode(body))
        #expect(observation.vitals == Vitals(heartRateBpm: 80, spo2Percent: 97, respiratoryRatePerMin: 18))

        let shown = try await daemon.ctl(["sessions", "show", session.id.uuidString])
        #expect(shown.stdout.contains("by ge-central, monitor reading from device 080019FFFE0B4020"), "\(shown.stdout)\(shown.stderr)")

        let again = try await Self.send(sample, port: port, folder: daemon.folder)
        #expect(again == ack)
        #expect(try await Self.deviceEvents(daemon, session: session.id).count == 1)
        let actions = try await daemon.client.auditTail(count: 50).map(\.record.action)
        #expect(actions.contains("hl7.receive") && actions.contains("hl7.resend"))
    }

    @Test("a gateway that sends its own placeholder patient: bound by bed with infusionctl, answered AA; sessions devices lists the monitor",
          .enabled(if: TestEnvironment.runs(mllpSend != nil), "needs hl7==0.4.5 (mllp_send): scripts/test installs it in .build/venv"))
    func boundByBed() async throws {
        let (daemon, port) = try await Self.daemon()
        defer { Task { [daemon] in await daemon.terminate() } }
        let session = try await daemon.client.startSession(Bedside.start())
        let placeholder = Self.spo2(97, controlId: "BED0001", patient: "@609331@")
        let before = try await Self.send(placeholder, port: port, folder: daemon.folder)
        #expect(before.contains("\rMSA|AE|BED0001\r"), "\(before)")

        let bind = try await daemon.ctl(["sessions", "act", session.id.uuidString, "bind", "--by", "nurse-042", "--bed", "ICU^3^1"])
        #expect(bind.status == 0, "\(bind.stdout)\(bind.stderr)")
        let shown = try await daemon.ctl(["sessions", "show", session.id.uuidString])
        #expect(shown.stdout.contains("bed ICU^3^1"), "\(shown.stdout)")
        let after = try await Self.send(Self.spo2(97, controlId: "BED0002", patient: "@609331@"), port: port, folder: daemon.folder)
        #expect(after.contains("\rMSA|AA|BED0002\r"), "\(after)")
        #expect(try await Self.deviceEvents(daemon, session: session.id).count == 1)

        let devices = try await daemon.ctl(["sessions", "devices", session.id.uuidString])
        #expect(devices.status == 0, "\(devices.stderr)")
        #expect(devices.stdout.contains("ICU^3^1"), "\(devices.stdout)")
        let row = try #require(devices.stdout.split(separator: "\n").first { $0.contains("0123456789ABCDEF") }, "\(devices.stdout)")
        #expect(row.contains("MONGW") && row.contains("icu-monitor-gw"), "\(row)")
        let json = try await daemon.ctl(["sessions", "devices", session.id.uuidString, "--format", "json"])
        let listed = try WireJSON.decoder().decode(SessionDevices.self, from: Data(json.stdout.utf8))
        #expect(listed.heard.map(\.deviceId) == ["0123456789ABCDEF"] && listed.heard.first?.readings == 1)
    }

    @Test("a monitor VT alarm (ORU^R40) stops the lidocaine infusion; a single low SpO2 waits for its repeat",
          .enabled(if: TestEnvironment.runs(mllpSend != nil), "needs hl7==0.4.5 (mllp_send): scripts/test installs it in .build/venv"))
    func decisions() async throws {
        let (daemon, port) = try await Self.daemon()
        defer { Task { [daemon] in await daemon.terminate() } }
        let vt = try await daemon.client.startSession(Bedside.start(patient: "MRN-2001"))
        let ack = try await Self.send(Self.ventricularTachycardia(controlId: "ALM0001", patient: "MRN-2001"), port: port, folder: daemon.folder)
        #expect(ack.contains("\rMSA|AA|ALM0001\r"), "\(ack)")
        #expect(try await daemon.client.session(id: vt.id).session.state == .stopped)
        #expect(try await daemon.client.alerts(session: vt.id).contains { $0.priority == .high })

        let spo2 = try await daemon.client.startSession(Bedside.start(patient: "MRN-2002"))
        let first = try await Self.send(Self.spo2(88, controlId: "SAT0001", patient: "MRN-2002"), port: port, folder: daemon.folder)
        #expect(first.contains("\rMSA|AA|SAT0001\r"), "\(first)")
        #expect(try await daemon.client.session(id: spo2.id).session.state == .running)
        let repeated = try await Self.send(Self.spo2(87, controlId: "SAT0002", patient: "MRN-2002"), port: port, folder: daemon.folder)
        #expect(repeated.contains("\rMSA|AA|SAT0002\r"), "\(repeated)")
        #expect(try await daemon.client.session(id: spo2.id).session.state == .paused)
    }

    @Test("unknown patient AE 204 and an unknown sender AR, both audited; nothing stored",
          .enabled(if: TestEnvironment.runs(mllpSend != nil), "needs hl7==0.4.5 (mllp_send): scripts/test installs it in .build/venv"))
    func refusals() async throws {
        let (daemon, port) = try await Self.daemon()
        defer { Task { [daemon] in await daemon.terminate() } }
        let session = try await daemon.client.startSession(Bedside.start())
        let unknown = try await Self.send(Self.spo2(97, controlId: "P1", patient: "MRN-9999"), port: port, folder: daemon.folder)
        #expect(unknown.contains("\rMSA|AE|P1\r") && unknown.contains("\rERR||PID^1^3|204^Unknown key identifier^HL70357|E"), "\(unknown)")
        let stranger = try await Self.send(Self.spo2(97, controlId: "P2", patient: "MRN-1001").replacingOccurrences(of: "|ICU|", with: "|WARD9|"),
                                           port: port, folder: daemon.folder)
        #expect(stranger.contains("\rMSA|AR|P2\r"), "\(stranger)")
        #expect(try await Self.deviceEvents(daemon, session: session.id).isEmpty)
        let actions = try await daemon.client.auditTail(count: 50).map(\.record.action)
        #expect(actions.contains("hl7.unknownPatient") && actions.contains("hl7.unknownSender"))
    }
}

/// TLS on the TCP listener: `mllp_send` has no TLS option, so a small Python client (the standard `ssl` module)
/// sends the frame and prints the answer.
@Suite("HL7 over TLS end to end: a Python ssl client to the daemon's TLS listener, with and without a client certificate", .serialized)
struct HL7TLSTests {
    static let client = """
        import socket, ssl, sys
        host, port, ca, message = sys.argv[1], int(sys.argv[2]), sys.argv[3], sys.argv[4]
        context = ssl.create_default_context(cafile=ca)
        context.check_hostname = False
        if len(sys.argv) > 6:
            context.load_cert_chain(sys.argv[5], sys.argv[6])
        try:
            with socket.create_connection((host, port), timeout=10) as raw:
                with context.wrap_socket(raw, server_hostname=host) as tls:
                    tls.sendall(b"\\x0b" + open(message, "rb").read() + b"\\x1c\\x0d")
                    answer = b""
                    while not answer.endswith(b"\\x1c\\x0d"):
                        chunk = tls.recv(4096)
                        if not chunk:
                            break
                        answer += chunk
                    sys.stdout.write(answer.decode("latin-1"))
        except (ssl.SSLError, OSError) as error:
            sys.stdout.write("refused: %s" % error)
        """

    static var tools: Bool { FileManager.default.isExecutableFile(atPath: "/usr/bin/openssl") && FileManager.default.isExecutableFile(atPath: "/usr/bin/python3") }

    /// A self-signed certificate and key for `name` in `folder`.
    static func certificate(_ name: String, folder: String) async throws -> (certificate: String, key: String) {
        let certificate = "\(folder)/\(name).crt"
        let key = "\(folder)/\(name).key"
        let result = try await DaemonProcess.run("/usr/bin/openssl", [
            "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", key, "-out", certificate, "-days", "2", "-subj", "/CN=\(name)",
            "-addext", "subjectAltName=IP:127.0.0.1",
        ])
        guard result.status == 0 else { throw DaemonError("openssl: \(result.stderr)") }
        return (certificate, key)
    }

    @Test("TLS with client certificates required: a client with a trusted certificate is answered AA; one without is refused before any message is read",
          .enabled(if: TestEnvironment.runs(tools), "needs /usr/bin/openssl and /usr/bin/python3"))
    func mutualTLS() async throws {
        let port = try HL7FeedTests.freePort()
        let folder = "/tmp/it-\(UUID().uuidString.prefix(8).lowercased())"
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: folder) }
        let server = try await Self.certificate("infusiond", folder: folder)
        let client = try await Self.certificate("icu-gateway", folder: folder)
        let daemon = try DaemonProcess(extraConfig: """
            hl7:
              listen: 127.0.0.1:\(port)
              tls: {certificate: \(server.certificate), key: \(server.key), clientCA: \(client.certificate)}
              senders:
                - {application: MONGW, facility: ICU, from: [127.0.0.1], station: icu-monitor-gw}

            """)
        try await daemon.start()
        defer { Task { [daemon] in await daemon.terminate() } }
        let session = try await daemon.client.startSession(Bedside.start())
        let script = "\(folder)/client.py"
        try Self.client.write(toFile: script, atomically: true, encoding: .utf8)
        let message = "\(folder)/m.hl7"
        try HL7FeedTests.spo2(97, controlId: "TLS0001", patient: "MRN-1001").replacingOccurrences(of: "\n", with: "\r")
            .write(toFile: message, atomically: true, encoding: .utf8)

        var answer = ""
        let deadline = Date().addingTimeInterval(15)
        repeat {
            answer = try await DaemonProcess.run("/usr/bin/python3", [script, "127.0.0.1", String(port), server.certificate, message,
                                                                      client.certificate, client.key]).stdout
            if answer.contains("MSA|") { break }
            try await Task.sleep(for: .milliseconds(200))
        } while Date() < deadline
        #expect(answer.contains("\rMSA|AA|TLS0001\r"), "\(answer)")
        #expect(try await HL7FeedTests.deviceEvents(daemon, session: session.id).count == 1)

        let anonymous = try await DaemonProcess.run("/usr/bin/python3", [script, "127.0.0.1", String(port), server.certificate, message]).stdout
        #expect(!anonymous.contains("MSA|"), "\(anonymous)")
        #expect(try await HL7FeedTests.deviceEvents(daemon, session: session.id).count == 1)
    }
}

/// SIGKILL between receipt and acknowledgement: a Python sender streams messages over one connection and records
/// each `AA` it reads; the daemon is killed mid-stream and restarted. Every acknowledged message's reading must be
/// stored, and the sender's resend of everything must store each message exactly once.
@Suite("HL7 crash safety: SIGKILL while a sender streams messages", .serialized)
struct HL7CrashTests {
    static let sender = """
        import os, socket, sys, time
        port, folder, log = int(sys.argv[1]), sys.argv[2], sys.argv[3]
        names = sorted(n for n in os.listdir(folder) if n.endswith(".hl7"))
        deadline = time.time() + 15
        while True:
            try:
                connection = socket.create_connection(("127.0.0.1", port), timeout=10)
                break
            except OSError:
                if time.time() > deadline:
                    raise
                time.sleep(0.1)
        with connection, open(log, "a") as out:
            for name in names:
                data = open(os.path.join(folder, name), "rb").read()
                try:
                    connection.sendall(b"\\x0b" + data + b"\\x1c\\x0d")
                    answer = b""
                    while not answer.endswith(b"\\x1c\\x0d"):
                        chunk = connection.recv(4096)
                        if not chunk:
                            sys.exit(0)
                        answer += chunk
                except OSError:
                    sys.exit(0)
                if b"\\rMSA|AA|" in answer:
                    out.write(name[:-4] + "\\n")
                    out.flush()
        """

    @Test("nothing an AA confirmed is lost; the resend after the restart stores each message once",
          .enabled(if: TestEnvironment.runs(FileManager.default.isExecutableFile(atPath: "/usr/bin/python3")), "needs /usr/bin/python3"))
    func killBetweenReceiptAndAcknowledgement() async throws {
        let port = try HL7FeedTests.freePort()
        let daemon = try DaemonProcess(extraConfig: """
            hl7:
              listen: 127.0.0.1:\(port)
              senders:
                - {application: MONGW, facility: ICU, from: [127.0.0.1], station: icu-monitor-gw}

            """)
        try await daemon.start()
        defer { Task { [daemon] in await daemon.terminate() } }
        let session = try await daemon.client.startSession(Bedside.start())
        let folder = "\(daemon.folder)/out"
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        let count = 300
        for index in 0..<count {
            let id = String(format: "K%05d", index)
            try HL7FeedTests.spo2(96, controlId: id, patient: "MRN-1001").replacingOccurrences(of: "\n", with: "\r")
                .write(toFile: "\(folder)/\(id).hl7", atomically: true, encoding: .utf8)
        }
        let script = "\(daemon.folder)/sender.py"
        try Self.sender.write(toFile: script, atomically: true, encoding: .utf8)
        let log = "\(daemon.folder)/acked.txt"
        FileManager.default.createFile(atPath: log, contents: nil)
        func acknowledged() -> [String] {
            ((try? String(contentsOfFile: log, encoding: .utf8)) ?? "").split(separator: "\n").map(String.init)
        }

        let stream = Task { try await DaemonProcess.run("/usr/bin/python3", [script, String(port), folder, log]) }
        let deadline = Date().addingTimeInterval(60)
        while acknowledged().count < 20 && Date() < deadline { try await Task.sleep(for: .milliseconds(20)) }
        if let pid = daemon.process?.processIdentifier { kill(pid, SIGKILL) }
        _ = await daemon.terminate(timeout: 10)
        _ = try await stream.value
        let confirmed = acknowledged()
        #expect(confirmed.count >= 20 && confirmed.count < count, "the kill should land mid-stream: \(confirmed.count) of \(count)")

        try await daemon.start()
        func stored() async throws -> [String: Int] {
            var seen: [String: Int] = [:]
            for event in try await HL7FeedTests.deviceEvents(daemon, session: session.id) {
                if let id = HL7FeedTests.field(event.body, "device", "messageControlId") { seen[id, default: 0] += 1 }
            }
            return seen
        }
        let afterRestart = try await stored()
        #expect(confirmed.allSatisfy { afterRestart[$0] == 1 }, "acknowledged but not stored: \(confirmed.filter { afterRestart[$0] != 1 })")

        try "".write(toFile: log, atomically: true, encoding: .utf8)
        let resend = try await DaemonProcess.run("/usr/bin/python3", [script, String(port), folder, log])
        #expect(resend.status == 0, "\(resend.stderr)")
        #expect(acknowledged().count == count)
        let final = try await stored()
        #expect(final.count == count && final.values.allSatisfy { $0 == 1 })
    }
}

extension HL7FeedTests {
    @Test("over the Unix socket (the packaged unit's way): mode 0660, a sender allowed from 'unix' is answered AA",
          .enabled(if: TestEnvironment.runs(FileManager.default.isExecutableFile(atPath: "/usr/bin/python3")), "needs /usr/bin/python3"))
    func unixSocket() async throws {
        let folder = "/tmp/iu-\(UUID().uuidString.prefix(8).lowercased())"
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: folder) }
        let path = "\(folder)/hl7.sock"
        let daemon = try DaemonProcess(extraConfig: """
            hl7:
              socketPath: \(path)
              senders:
                - {application: MONGW, facility: ICU, from: [unix], station: engine-local}

            """)
        try await daemon.start()
        defer { Task { [daemon] in await daemon.terminate() } }
        let session = try await daemon.client.startSession(Bedside.start())
        let message = "\(folder)/m.hl7"
        try Self.spo2(97, controlId: "UNIX0001", patient: "MRN-1001").replacingOccurrences(of: "\n", with: "\r")
            .write(toFile: message, atomically: true, encoding: .utf8)
        let script = """
            import socket, sys, time
            deadline = time.time() + 15
            while True:
                try:
                    s = socket.socket(socket.AF_UNIX); s.connect(sys.argv[1]); break
                except OSError:
                    if time.time() > deadline: raise
                    time.sleep(0.1)
            s.sendall(b"\\x0b" + open(sys.argv[2], "rb").read() + b"\\x1c\\x0d")
            answer = b""
            while not answer.endswith(b"\\x1c\\x0d"):
                answer += s.recv(4096)
            sys.stdout.write(answer.decode("latin-1"))
            """
        let result = try await DaemonProcess.run("/usr/bin/python3", ["-c", script, path, message])
        #expect(result.stdout.contains("\rMSA|AA|UNIX0001\r"), "\(result.stdout)\(result.stderr)")
        let mode = try FileManager.default.attributesOfItem(atPath: path)[.posixPermissions] as? Int
        #expect(mode == 0o660)
        let events = try await Self.deviceEvents(daemon, session: session.id)
        #expect(events.count == 1 && events.first?.recordedBy == "engine-local")
    }
}
