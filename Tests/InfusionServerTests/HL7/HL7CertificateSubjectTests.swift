import Foundation
import InfusionCore
import InfusionServer
import InfusionStore
import Testing

/// `hl7.senders[].certificateSubject`: the allow-list matching a TLS client by its verified certificate's common
/// name, the setting's one form, and its refusal without client certificates required.
@Suite("HL7 allow-list by client certificate subject")
struct HL7CertificateSubjectTests {
    static let senders = HL7SenderList([
        HL7SenderConfiguration(application: "MONGW", facility: "ICU", from: [], station: "cert-only", certificateSubject: "CN=icu-a"),
        HL7SenderConfiguration(application: "MONGW", facility: "WARD", from: ["10.20.0.0/16"], station: "cert-and-range",
                               certificateSubject: "CN=ward-a"),
        HL7SenderConfiguration(application: "MONGW", facility: "WARD", from: ["10.30.0.0/16", "unix"], station: "range-only"),
    ])

    static func subject(_ attributes: (String, String)...) -> HL7CertificateSubject {
        HL7CertificateSubject(attributes.map { HL7CertificateSubject.Attribute($0.0, $0.1) })
    }

    static func tcp(_ address: [UInt8], _ subject: HL7CertificateSubject? = nil) -> HL7Peer {
        .network(address: address, text: address.map(String.init).joined(separator: ".") + ":40000", certificateSubject: subject)
    }

    static let far: [UInt8] = [192, 0, 2, 9]
    static let ward: [UInt8] = [10, 20, 1, 1]
    static let rangeOnly: [UInt8] = [10, 30, 0, 5]

    @Test("a subject entry takes only its common name (and its from ranges when it lists any); plain TCP and unix never", arguments: [
        ("ICU", tcp(far, subject(("O", "Klinikum"), ("CN", "icu-a"))), "cert-only"),
        ("ICU", tcp(far, subject(("CN", "icu-b"))), nil),
        ("ICU", tcp(far, subject(("CN", "ICU-A"))), nil),
        ("ICU", tcp(far, subject(("CN", "icu-a "))), nil),
        ("ICU", tcp(far, subject(("O", "icu-a"))), nil),
        ("ICU", tcp(far, subject(("CN", "icu-a"), ("CN", "icu-a"))), nil),
        ("ICU", tcp(far, subject()), nil),
        ("ICU", tcp(far), nil),
        ("ICU", HL7Peer.unix, nil),
        ("ICU", tcp(rangeOnly), nil),
        ("WARD", tcp(ward, subject(("CN", "ward-a"))), "cert-and-range"),
        ("WARD", tcp([10, 21, 0, 1], subject(("CN", "ward-a"))), nil),
        ("WARD", tcp(ward), nil),
        ("WARD", tcp(ward, subject(("CN", "icu-a"))), nil),
        ("WARD", tcp(rangeOnly, subject(("CN", "ward-a"))), "range-only"),
        ("WARD", HL7Peer.unix, "range-only"),
    ] as [(String, HL7Peer, String?)])
    func matching(facility: String, peer: HL7Peer, station: String?) {
        #expect(Self.senders.match(application: "MONGW", facility: facility, peer: peer)?.configuration.station == station)
    }

    @Test("the setting is CN=<name>; anything else is not a subject", arguments: [
        ("CN=icu-gateway", "icu-gateway"), ("CN=Monitor Gateway 2", "Monitor Gateway 2"),
        ("icu-gateway", nil), ("cn=icu-gateway", nil), ("CN=", nil), ("CN=icu,O=Klinikum", nil), ("O=Klinikum", nil),
    ] as [(String, String?)])
    func settingForm(text: String, name: String?) {
        #expect(HL7CertificateSubject.commonName(ofSetting: text) == name)
    }

    @Test("the peer text carries the subject in RFC 4514 order and escaping; without one it is the address")
    func description() {
        let subject = Self.subject(("C", "DE"), ("O", "Klinikum, Nord"), ("CN", "#gw\n"))
        #expect(subject.description == ##"CN=\#gw\0A,O=Klinikum\, Nord,C=DE"##)
        #expect(Self.tcp(Self.ward, subject).description == ##"10.20.1.1:40000 (certificate CN=\#gw\0A,O=Klinikum\, Nord,C=DE)"##)
        #expect(Self.tcp(Self.ward).description == "10.20.1.1:40000")
    }

    static func section(tls: String, sender: String) -> String {
        "hl7:\n  listen: 127.0.0.1:2575\n" + tls + "  senders:\n    - " + sender + "\n"
    }

    static let mutual = "  tls: {certificate: a.crt, key: a.key, clientCA: ca.pem}\n"
    static let serverOnly = "  tls: {certificate: a.crt, key: a.key}\n"

    @Test("certificateSubject is refused without TLS client certificates required, or in another form, naming the field", arguments: [
        (section(tls: "", sender: "{application: A, facility: F, certificateSubject: CN=gw, station: s}"), 4,
         "hl7.senders[0].certificateSubject needs TLS with client certificates required"),
        (section(tls: serverOnly, sender: "{application: A, facility: F, from: [10.0.0.0/8], certificateSubject: CN=gw, station: s}"), 5,
         "hl7.senders[0].certificateSubject needs TLS with client certificates required"),
        (section(tls: mutual, sender: "{application: A, facility: F, certificateSubject: gw, station: s}"), 5,
         "hl7.senders[0].certificateSubject 'gw' must be CN=<common name>"),
        (section(tls: mutual, sender: "{application: A, facility: F, certificateSubject: 'CN=gw,O=K', station: s}"), 5,
         "must be CN=<common name>"),
        (section(tls: mutual, sender: "{application: A, facility: F, certificateSubject: [CN=gw], station: s}"), 5,
         "must be CN=<common name>"),
        (section(tls: mutual, sender: "{application: A, facility: F, from: [unix], certificateSubject: CN=gw, station: s}"), 5,
         "hl7.senders[0].from lists unix with certificateSubject"),
        (section(tls: mutual, sender: "{application: A, facility: F, station: s}"), 5, "from is required"),
    ])
    func refusals(text: String, line: Int, message: String) {
        #expect {
            _ = try DaemonConfiguration.parse(text, file: "test.yaml")
        } throws: { error in
            guard let error = error as? ConfigurationError else { return false }
            return error.line == line && error.message.contains(message)
        }
    }

    @Test("with client certificates required, an entry may give certificateSubject with or without from")
    func loads() throws {
        let text = "hl7:\n  listen: 127.0.0.1:2575\n" + Self.mutual + """
              senders:
                - {application: A, facility: F, certificateSubject: CN=gw-1, station: s1}
                - {application: A, facility: F, from: [10.0.0.0/8], certificateSubject: CN=gw-2, station: s2}

            """
        let senders = try #require(try DaemonConfiguration.parse(text, file: "test.yaml").hl7?.senders)
        #expect(senders.map(\.certificateSubject) == ["CN=gw-1", "CN=gw-2"])
        #expect(senders.map(\.from) == [[], ["10.0.0.0/8"]])
    }

    @Test("the receiver answers a matching certificate AA as its station; another subject AR, audited with the subject it presented")
    func receiver() async throws {
        let harness = try HL7Harness(senders: [
            HL7SenderConfiguration(application: "MONGW", facility: "ICU", from: [], station: "icu-monitor-gw", certificateSubject: "CN=icu-a"),
        ])
        _ = try await harness.startLidocaine()
        let known = await harness.receive(HL7Harness.message(controlId: "C1", rows: [HL7Harness.heartRate80]),
                                          from: Self.tcp(Self.far, Self.subject(("CN", "icu-a"))))
        #expect(msa(known).code == "AA")
        let other = await harness.receive(HL7Harness.message(controlId: "C2", rows: [HL7Harness.heartRate80]),
                                          from: Self.tcp(Self.far, Self.subject(("CN", "icu-b"))))
        #expect(msa(other).code == "AR")
        #expect(other.text?.contains("from 192.0.2.9:40000 (certificate CN=icu-b) is not on this receiver's allow-list") == true, "\(other.text ?? "")")
        let records = try await harness.state.store.auditPage(after: 0, limit: 1000).records.map(\.record)
        let refusal = try #require(records.first { $0.action == "hl7.unknownSender" })
        guard case .object(let detail) = refusal.detail else { Issue.record("detail \(refusal.detail)"); return }
        #expect(detail["peer"] == .string("192.0.2.9:40000 (certificate CN=icu-b)"))
    }
}
