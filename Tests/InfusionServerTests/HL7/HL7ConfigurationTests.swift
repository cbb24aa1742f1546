import Foundation
import InfusionServer
import Testing

@Suite("HL7 configuration: hl7.* checked like the other sections; the address ranges of the allow-list")
struct HL7ConfigurationTests {
    static let valid = """
        hl7:
          listen: 127.0.0.1:2575
          socketPath: /run/infusiond/hl7.sock
          maxMessageBytes: 262144
          idleTimeoutSeconds: 120
          maxConnections: 16
          maxConnectionsPerAddress: 4
          senders:
            - application: MONGW
              facility: ICU
              from: [10.20.0.0/16, "::1", unix]
              station: icu-monitor-gw
              timeZone: Europe/Berlin
            - application: "*"
              facility: "*"
              from: [127.0.0.1]
              station: engine

        """

    @Test("a complete section loads with its values; no section means nothing listens")
    func loads() throws {
        let configuration = try DaemonConfiguration.parse(Self.valid, file: "test.yaml")
        let hl7 = try #require(configuration.hl7)
        #expect(hl7.listenAddress?.host == "127.0.0.1" && hl7.listenAddress?.port == 2575)
        #expect(hl7.resolvedMaxMessageBytes == 262_144 && hl7.resolvedIdleTimeoutSeconds == 120)
        #expect(hl7.resolvedMaxConnections == 16 && hl7.resolvedMaxConnectionsPerAddress == 4)
        #expect(hl7.senders?.first?.timeZone == "Europe/Berlin" && hl7.senders?.count == 2)
        #expect(try DaemonConfiguration.parse("stateDirectory: /tmp/x\n", file: "test.yaml").hl7 == nil)
        #expect(HL7Configuration().resolvedMaxMessageBytes == 1_048_576)
    }

    static let sender = "  senders:\n    - {application: A, facility: F, from: [127.0.0.1], station: s}\n"

    @Test("mistakes are errors with their line and what to write instead", arguments: [
        ("hl7: yes\n", 1, "hl7 must be a mapping"),
        ("hl7:\n  listen: 127.0.0.1:2575\n  sendres: []\n", 3, "unknown setting 'hl7.sendres'"),
        ("hl7:\n  listen: 127.0.0.1:2575\n  tls: {certificate: a}\n" + sender, 3, "hl7.tls.key is required"),
        ("hl7:\n  listen: 127.0.0.1:2575\n  tls: {certificate: a, key: b, ca: c}\n" + sender, 3, "unknown setting 'hl7.tls.ca'"),
        ("hl7:\n  socketPath: /tmp/h.sock\n  tls: {certificate: a, key: b}\n" + sender, 3, "hl7.tls needs hl7.listen"),
        ("hl7:\n" + sender, 2, "hl7 needs listen"),
        ("hl7:\n  listen: localhost\n" + sender, 2, "not host:port"),
        ("hl7:\n  listen: 127.0.0.1:70000\n" + sender, 2, "not host:port"),
        ("hl7:\n  listen: 127.0.0.1:2575\n", 2, "hl7 needs senders"),
        ("hl7:\n  listen: 127.0.0.1:2575\n  senders: []\n", 3, "non-empty list"),
        ("hl7:\n  listen: 127.0.0.1:2575\n  maxMessageBytes: 10\n" + sender, 3, "hl7.maxMessageBytes must be a whole number 1024"),
        ("hl7:\n  listen: 127.0.0.1:2575\n  idleTimeoutSeconds: 0\n" + sender, 3, "hl7.idleTimeoutSeconds"),
        ("hl7:\n  listen: 127.0.0.1:2575\n  maxConnections: -1\n" + sender, 3, "hl7.maxConnections"),
        ("hl7:\n  listen: 127.0.0.1:2575\n  senders:\n    - {application: A, facility: F, from: [10.0.0.0/33], station: s}\n", 4, "not an address or CIDR"),
        ("hl7:\n  listen: 127.0.0.1:2575\n  senders:\n    - {application: A, facility: F, from: 10.0.0.1, station: s}\n", 4, "must be a non-empty list"),
        ("hl7:\n  listen: 127.0.0.1:2575\n  senders:\n    - {application: A, facility: F, station: s}\n", 4, "from is required"),
        ("hl7:\n  listen: 127.0.0.1:2575\n  senders:\n    - {application: A, from: [unix], station: s}\n", 4, "facility is required"),
        ("hl7:\n  listen: 127.0.0.1:2575\n  senders:\n    - {application: A, facility: F, from: [unix], station: s, timeZone: Mars/Olympus}\n", 4, "not an IANA zone"),
        ("hl7:\n  listen: 127.0.0.1:2575\n  senders:\n    - {application: A, facility: F, from: [unix], station: s, colour: red}\n", 4, "unknown setting 'hl7.senders[0].colour'"),
    ])
    func mistakes(text: String, line: Int, message: String) {
        #expect {
            _ = try DaemonConfiguration.parse(text, file: "test.yaml")
        } throws: { error in
            guard let error = error as? ConfigurationError else { return false }
            return error.line == line && error.message.contains(message)
        }
    }

    @Test("address ranges: IPv4 and IPv6, prefixes at their boundaries, IPv4-mapped IPv6 peers", arguments: [
        ("10.20.0.0/16", "10.20.255.1", true),
        ("10.20.0.0/16", "10.21.0.1", false),
        ("10.20.0.0/15", "10.21.0.1", true),
        ("127.0.0.1", "127.0.0.1", true),
        ("127.0.0.1", "127.0.0.2", false),
        ("0.0.0.0/0", "192.0.2.1", true),
        ("192.0.2.0/25", "192.0.2.127", true),
        ("192.0.2.0/25", "192.0.2.128", false),
        ("::1", "::1", true),
        ("fd00::/8", "fd12::1", true),
        ("fd00::/8", "fe80::1", false),
        ("10.0.0.0/8", "::ffff:10.1.2.3", true),
        ("10.0.0.0/8", "::1", false),
    ])
    func ranges(range: String, address: String, inside: Bool) throws {
        let parsed = try #require(HL7AddressRange(range))
        #expect(parsed.contains(try #require(HL7AddressRange.addressBytes(address))) == inside)
    }

    @Test("texts that are not ranges", arguments: ["10.0.0.0/", "10.0.0/8", "host.example", "::1/129", "10.0.0.0/08", ""])
    func notRanges(text: String) {
        #expect(HL7AddressRange(text) == nil)
    }
}

extension HL7ConfigurationTests {
    @Test("the commented hl7 example in config/infusiond.yaml loads once uncommented, listening on 127.0.0.1")
    func shippedExample() throws {
        let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent()
        let text = try String(contentsOf: root.appendingPathComponent("config/infusiond.yaml"), encoding: .utf8)
        let lines = text.components(separatedBy: "\n")
        let start = try #require(lines.firstIndex(of: "# hl7:"))
        let section = lines[start...].prefix { $0.hasPrefix("# ") }.map { String($0.dropFirst(2)) }.joined(separator: "\n")
        let hl7 = try #require(try DaemonConfiguration.parse(section + "\n", file: "config/infusiond.yaml").hl7)
        #expect(hl7.listenAddress?.host == "127.0.0.1")
        #expect(hl7.senders?.first?.from == ["127.0.0.1"])
    }
}

extension HL7ConfigurationTests {
    @Test("host checks (check-config and start): TLS files that do not load, and an HL7 socket that is another file, are refused by name")
    func hostChecks() throws {
        let folder = "/tmp/hc-\(UUID().uuidString.prefix(8).lowercased())"
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: folder) }
        try "not a certificate".write(toFile: "\(folder)/bad.pem", atomically: true, encoding: .utf8)
        let tls = try DaemonConfiguration.parse("""
            stateDirectory: \(folder)/state
            hl7:
              listen: 127.0.0.1:2575
              tls: {certificate: \(folder)/bad.pem, key: \(folder)/bad.pem}
              senders: [{application: A, facility: F, from: [unix], station: s}]

            """, file: "test.yaml")
        #expect {
            try tls.checkHost(file: "test.yaml")
        } throws: { error in
            (error as? ConfigurationError)?.message.contains("hl7.tls.certificate: cannot use \(folder)/bad.pem") == true
        }
        let clash = try DaemonConfiguration.parse("""
            stateDirectory: \(folder)/state
            hl7:
              socketPath: \(folder)/state/infusiond.sock
              senders: [{application: A, facility: F, from: [unix], station: s}]

            """, file: "test.yaml")
        #expect {
            try clash.checkHost(file: "test.yaml")
        } throws: { error in
            "\(error)".contains("hl7.socketPath")
        }
    }
}
