import Foundation
import InfusionClient
import InfusionCore
import Testing

/// The allow-list by client certificate subject (`hl7.senders[].certificateSubject`) on the real daemon's TLS
/// listener: two clients whose certificates both chain to `hl7.tls.clientCA`, only one of them allow-listed.
@Suite("HL7 allow-list by client certificate subject end to end: two certificates of one CA, one allow-listed", .serialized)
struct HL7ClientCertificateTests {
    /// A CA, and client certificates it signed for each subject (`/O=Klinikum/CN=icu-a`), in `folder`.
    static func authority(signing subjects: [String], folder: String) async throws -> (ca: String, clients: [(certificate: String, key: String)]) {
        func openssl(_ arguments: [String]) async throws {
            let result = try await DaemonProcess.run("/usr/bin/openssl", arguments)
            guard result.status == 0 else { throw DaemonError("openssl \(arguments.first ?? ""): \(result.stderr)") }
        }
        let ca = "\(folder)/ca.crt"
        try await openssl(["req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", "\(folder)/ca.key", "-out", ca, "-days", "2",
                           "-subj", "/CN=HL7 test senders CA", "-addext", "basicConstraints=critical,CA:TRUE",
                           "-addext", "keyUsage=critical,keyCertSign,cRLSign"])
        var clients: [(String, String)] = []
        for (index, subject) in subjects.enumerated() {
            let key = "\(folder)/client\(index).key"
            let certificate = "\(folder)/client\(index).crt"
            try await openssl(["req", "-newkey", "rsa:2048", "-nodes", "-keyout", key, "-out", "\(folder)/client\(index).csr", "-subj", subject])
            try await openssl(["x509", "-req", "-in", "\(folder)/client\(index).csr", "-CA", ca, "-CAkey", "\(folder)/ca.key",
                               "-set_serial", String(index + 2), "-days", "2", "-out", certificate])
            clients.append((certificate, key))
        }
        return (ca, clients)
    }

    @Test("a client whose certificate has the allow-listed subject is answered AA; another client of the same CA gets AR and hl7.unknownSender",
          .enabled(if: TestEnvironment.runs(HL7TLSTests.tools), "needs /usr/bin/openssl and /usr/bin/python3"))
    func subjectAllowList() async throws {
        let port = try HL7FeedTests.freePort()
        let folder = "/tmp/it-\(UUID().uuidString.prefix(8).lowercased())"
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: folder) }
        let server = try await HL7TLSTests.certificate("infusiond", folder: folder)
        let (ca, clients) = try await Self.authority(signing: ["/O=Klinikum/CN=icu-a", "/O=Klinikum/CN=icu-b"], folder: folder)
        let daemon = try DaemonProcess(extraConfig: """
            hl7:
              listen: 127.0.0.1:\(port)
              tls: {certificate: \(server.certificate), key: \(server.key), clientCA: \(ca)}
              senders:
                - {application: MONGW, facility: ICU, certificateSubject: CN=icu-a, station: icu-monitor-gw}

            """)
        try await daemon.start()
        defer { Task { [daemon] in await daemon.terminate() } }
        let session = try await daemon.client.startSession(Bedside.start())
        let script = "\(folder)/client.py"
        try HL7TLSTests.client.write(toFile: script, atomically: true, encoding: .utf8)

        func send(_ controlId: String, as client: (certificate: String, key: String)) async throws -> String {
            let message = "\(folder)/\(controlId).hl7"
            try HL7FeedTests.spo2(97, controlId: controlId, patient: "MRN-1001").replacingOccurrences(of: "\n", with: "\r")
                .write(toFile: message, atomically: true, encoding: .utf8)
            var answer = ""
            let deadline = Date().addingTimeInterval(15)
            repeat {
                answer = try await DaemonProcess.run("/usr/bin/python3", [script, "127.0.0.1", String(port), server.certificate, message,
                                                                          client.certificate, client.key]).stdout
                if answer.contains("MSA|") { break }
                try await Task.sleep(for: .milliseconds(200))
            } while Date() < deadline
            return answer
        }

        let allowed = try await send("CERT0001", as: clients[0])
        #expect(allowed.contains("\rMSA|AA|CERT0001\r"), "\(allowed)")
        #expect(try await HL7FeedTests.deviceEvents(daemon, session: session.id).count == 1)

        let other = try await send("CERT0002", as: clients[1])
        #expect(other.contains("\rMSA|AR|CERT0002\r"), "\(other)")
        #expect(other.contains("(certificate CN=icu-b,O=Klinikum) is not on this receiver's allow-list (hl7.senders)"), "\(other)")
        #expect(try await HL7FeedTests.deviceEvents(daemon, session: session.id).count == 1)
        let refusal = try #require(try await daemon.client.auditTail(count: 50).map(\.record).last { $0.action == "hl7.unknownSender" })
        guard case .object(let detail) = refusal.detail, case .string(let peer)? = detail["peer"] else {
            Issue.record("hl7.unknownSender without a peer: \(refusal.detail)")
            return
        }
        #expect(peer.hasPrefix("127.0.0.1:") && peer.hasSuffix(" (certificate CN=icu-b,O=Klinikum)"), "\(peer)")
    }

    @Test("check-config and serve refuse certificateSubject when TLS does not require client certificates, naming the field")
    func refusedWithoutClientCertificates() async throws {
        let daemon = try DaemonProcess()
        let text = """
            stateDirectory: \(daemon.folder)/state
            hl7:
              listen: 127.0.0.1:2575
              tls: {certificate: \(daemon.folder)/server.crt, key: \(daemon.folder)/server.key}
              senders:
                - {application: MONGW, facility: ICU, certificateSubject: CN=icu-a, station: icu-monitor-gw}

            """
        try text.write(toFile: daemon.configPath, atomically: true, encoding: .utf8)
        let expected = "hl7.senders[0].certificateSubject needs TLS with client certificates required"
        let check = try await DaemonProcess.run(PathSafetyTests.infusiond, ["check-config", daemon.configPath])
        #expect(check.status == 78, "accepted:\n\(text)")
        #expect(check.stderr.contains(expected), "\(check.stderr)")
        let serve = try await PathSafetyTests.serveBriefly(daemon)
        #expect(serve.status != 0 && serve.status != 124)
        #expect(serve.stderr.contains(expected), "\(serve.stderr)")
    }
}
