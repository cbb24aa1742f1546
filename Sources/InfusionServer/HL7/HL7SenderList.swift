import Foundation

/// An address range from `hl7.senders[].from`: an IPv4 or IPv6 address with an optional prefix length.
public struct HL7AddressRange: Sendable, Hashable {
    /// The network's bytes (4 or 16).
    public var network: [UInt8]
    /// Leading bits that must match.
    public var prefixLength: Int

    /// Reads `10.20.0.0/16`, `127.0.0.1`, `::1`, `fd00::/8`; nil for anything else.
    public init?(_ text: String) {
        let parts = text.split(separator: "/", omittingEmptySubsequences: false)
        guard (1...2).contains(parts.count), let bytes = Self.addressBytes(String(parts[0])) else { return nil }
        let bits = bytes.count * 8
        if parts.count == 2 {
            guard let length = Int(parts[1]), String(length) == parts[1], (0...bits).contains(length) else { return nil }
            prefixLength = length
        } else {
            prefixLength = bits
        }
        network = bytes
    }

    /// Whether an address (4 or 16 bytes) is inside; an IPv4-mapped IPv6 address counts as its IPv4 address.
    public func contains(_ address: [UInt8]) -> Bool {
        let candidate = Self.unmapped(address)
        guard candidate.count == network.count else { return false }
        var remaining = prefixLength
        for index in 0..<network.count where remaining > 0 {
            let take = min(8, remaining)
            let mask: UInt8 = take == 8 ? 0xFF : ~(0xFF >> UInt8(take))
            if candidate[index] & mask != network[index] & mask { return false }
            remaining -= take
        }
        return true
    }

    /// The bytes of a textual IPv4 or IPv6 address.
    public static func addressBytes(_ text: String) -> [UInt8]? {
        var buffer = [UInt8](repeating: 0, count: 16)
        if inet_pton(AF_INET, text, &buffer) == 1 { return Array(buffer.prefix(4)) }
        if inet_pton(AF_INET6, text, &buffer) == 1 { return buffer }
        return nil
    }

    /// `::ffff:a.b.c.d` as `a.b.c.d`; anything else unchanged.
    static func unmapped(_ address: [UInt8]) -> [UInt8] {
        guard address.count == 16, address[0..<10].allSatisfy({ $0 == 0 }), address[10] == 0xFF, address[11] == 0xFF else { return address }
        return Array(address[12..<16])
    }
}

/// Where a connection comes from, as the allow-list sees it.
public enum HL7Peer: Sendable, Hashable, CustomStringConvertible {
    /// A TCP peer: its address bytes and text, and over TLS with `hl7.tls.clientCA` the subject of its verified
    /// client certificate.
    case network(address: [UInt8], text: String, certificateSubject: HL7CertificateSubject? = nil)
    /// The Unix socket.
    case unix

    /// The address (`10.20.0.7:40000`, or `unix`), then any certificate subject: `10.20.0.7:40000 (certificate
    /// CN=icu-gateway,O=Klinikum)`. The audit trail records this text as the peer.
    public var description: String {
        switch self {
        case .network(_, let text, let subject): subject.map { "\(text) (certificate \($0))" } ?? text
        case .unix: "unix"
        }
    }
}

/// The allow-list: the first `hl7.senders` entry whose application, facility and source match.
public struct HL7SenderList: Sendable {
    /// A configured sender, its ranges read and its zone resolved.
    public struct Sender: Sendable {
        /// The entry as configured.
        public var configuration: HL7SenderConfiguration
        /// `from` read as address ranges.
        public var ranges: [HL7AddressRange]
        /// Whether `from` lists `unix`.
        public var allowsUnix: Bool
        /// The zone of times sent without an offset.
        public var timeZone: TimeZone?
        /// The common name a client certificate must have (`certificateSubject` without its `CN=`), if any.
        public var certificateCommonName: String?
    }

    /// The entries in configured order.
    public let senders: [Sender]

    /// The list of these entries, in this order.
    public init(_ configurations: [HL7SenderConfiguration]) {
        senders = configurations.map { configuration in
            Sender(configuration: configuration, ranges: configuration.from.compactMap(HL7AddressRange.init),
                   allowsUnix: configuration.from.contains("unix"), timeZone: configuration.timeZone.flatMap(TimeZone.init(identifier:)),
                   certificateCommonName: configuration.certificateSubject.flatMap(HL7CertificateSubject.commonName(ofSetting:)))
        }
    }

    /// The sender a message from `peer` with MSH-3.1 `application` and MSH-4.1 `facility` is taken as, or nil.
    ///
    /// An entry with `certificateSubject` takes only a TCP peer whose verified client certificate has that common
    /// name, and then only from its `from` ranges when it lists any; the Unix socket and plain TCP never match it.
    public func match(application: String, facility: String, peer: HL7Peer) -> Sender? {
        senders.first { sender in
            let config = sender.configuration
            guard config.application == "*" || config.application == application,
                  config.facility == "*" || config.facility == facility else { return false }
            switch peer {
            case .unix:
                return sender.allowsUnix && sender.certificateCommonName == nil
            case .network(let address, _, let subject):
                guard let required = sender.certificateCommonName else { return sender.ranges.contains { $0.contains(address) } }
                guard let name = subject?.commonName, name == required else { return false }
                return config.from.isEmpty || sender.ranges.contains { $0.contains(address) }
            }
        }
    }
}
