import Foundation
import NIOCore
import NIOSSL

/// The subject of a TLS client certificate that chained to `hl7.tls.clientCA`, as the allow-list and the audit
/// trail see it.
///
/// `hl7.senders[].certificateSubject` is compared with the subject's common name only, written `CN=<name>`: it
/// matches when the subject holds exactly one common name and that name equals `<name>` as Unicode text (case and
/// spaces count, canonically equivalent forms are equal, nothing is unescaped). A subject with no common name, or with several,
/// matches no entry. The common name is what swift-nio-ssl reads reliably: it lists a subject's attribute values
/// in order, but neither the grouping of multi-valued RDNs nor the type of attributes it has no name for, so a whole
/// distinguished name could not be compared strictly.
public struct HL7CertificateSubject: Sendable, Hashable, CustomStringConvertible {
    /// One attribute of the subject.
    public struct Attribute: Sendable, Hashable {
        /// Its short name: `CN`, `O`, `OU`, `L`, `ST`, `C`, `emailAddress`, `UID`, or `?` for any other type.
        public var type: String
        /// Its value as UTF-8 text.
        public var value: String

        /// An attribute of the given short name and value.
        public init(_ type: String, _ value: String) {
            self.type = type
            self.value = value
        }
    }

    /// The attributes in the certificate's order (most significant first, usually `C` … `CN`).
    public var attributes: [Attribute]

    /// A subject of these attributes, most significant first.
    public init(_ attributes: [Attribute]) {
        self.attributes = attributes
    }

    /// The one common name, or nil when the subject has none or several.
    public var commonName: String? {
        let names = attributes.filter { $0.type == "CN" }
        return names.count == 1 ? names[0].value : nil
    }

    /// The subject as RFC 4514 writes it (least significant first, `CN=icu-gateway,O=Klinikum,C=DE`), for logs and
    /// the audit trail.
    public var description: String {
        attributes.reversed().map { "\($0.type)=\(Self.escape($0.value))" }.joined(separator: ",")
    }

    /// The `<name>` of a `certificateSubject` setting `CN=<name>`; nil for any other form.
    public static func commonName(ofSetting text: String) -> String? {
        guard text.hasPrefix("CN=") else { return nil }
        let name = text.dropFirst(3)
        // `=` after the prefix means a whole distinguished name was written, which is never compared.
        guard !name.isEmpty, !name.contains("=") else { return nil }
        return String(name)
    }

    /// RFC 4514 section 2.4, and control characters as `\XX` so a subject cannot break a log line.
    static func escape(_ value: String) -> String {
        var out = ""
        let scalars = Array(value.unicodeScalars)
        for (index, scalar) in scalars.enumerated() {
            if scalar.value < 0x20 || scalar.value == 0x7F {
                out += String(format: "\\%02X", scalar.value)
                continue
            }
            let special = "\"+,;<>\\".unicodeScalars.contains(scalar)
                || (index == 0 && (scalar == "#" || scalar == " "))
                || (index == scalars.count - 1 && scalar == " ")
            if special { out += "\\" }
            out.unicodeScalars.append(scalar)
        }
        return out
    }
}

extension HL7CertificateSubject {
    /// The subject of a certificate swift-nio-ssl verified.
    init(_ certificate: NIOSSLCertificate) {
        self.init(certificate.subjectName.map { Attribute(Self.shortNames[$0.type] ?? "?", $0.value) })
    }

    static let shortNames: [SSLCertificateNameType: String] = [
        .commonName: "CN", .organization: "O", .organizationalUnit: "OU", .city: "L", .state: "ST", .country: "C",
        .emailAddress: "emailAddress", .userId: "UID",
    ]

    /// The subject of the certificate the client presented on `channel`'s TLS handshake, once that is done (any
    /// message read from the channel was read after it); nil without TLS or without a client certificate.
    static func ofClient(on channel: any Channel) async -> HL7CertificateSubject? {
        let certificate = try? await channel.nioSSL_peerCertificate().get()
        return certificate.map(HL7CertificateSubject.init)
    }
}
