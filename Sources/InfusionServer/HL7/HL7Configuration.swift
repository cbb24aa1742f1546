import Foundation
import Yams

/// `hl7:` in the daemon config: the MLLP listener for monitors and integration engines (IHE PCD-01 `ORU^R01`,
/// PCD-04 `ORU^R40`; docs/HL7.md). Nothing listens unless the section is present; it needs at least one of
/// `listen` and `socketPath`, and at least one sender.
public struct HL7Configuration: Codable, Sendable, Hashable {
    /// `host:port` for MLLP over TCP, e.g. `127.0.0.1:2575` or `[::1]:2575`.
    public var listen: String?
    /// A Unix socket for an engine on the same host (mode 0660, `socketGroup`).
    public var socketPath: String?
    /// The group given the Unix socket.
    public var socketGroup: String?
    /// TLS on the TCP listener (the Unix socket stays plain: its file mode and group keep others out).
    public var tls: HL7TLSConfiguration?
    /// The senders taken; anything else is refused with `AR` and audited.
    public var senders: [HL7SenderConfiguration]?
    /// The largest message taken, in bytes between the MLLP framing (default 1 MiB).
    public var maxMessageBytes: Int?
    /// A connection silent this long is closed (default 300 s).
    public var idleTimeoutSeconds: Int?
    /// Connections open at once, all senders together (default 64).
    public var maxConnections: Int?
    /// Connections open at once from one address (default 8); the Unix socket counts as one address.
    public var maxConnectionsPerAddress: Int?
    /// MSH-3 of every acknowledgement (default `INFUSIOND`).
    public var application: String?
    /// MSH-4 of every acknowledgement (default empty).
    public var facility: String?

    public init(listen: String? = nil, socketPath: String? = nil, socketGroup: String? = nil, tls: HL7TLSConfiguration? = nil,
                senders: [HL7SenderConfiguration]? = nil,
                maxMessageBytes: Int? = nil, idleTimeoutSeconds: Int? = nil, maxConnections: Int? = nil,
                maxConnectionsPerAddress: Int? = nil, application: String? = nil, facility: String? = nil) {
        self.listen = listen
        self.socketPath = socketPath
        self.socketGroup = socketGroup
        self.tls = tls
        self.senders = senders
        self.maxMessageBytes = maxMessageBytes
        self.idleTimeoutSeconds = idleTimeoutSeconds
        self.maxConnections = maxConnections
        self.maxConnectionsPerAddress = maxConnectionsPerAddress
        self.application = application
        self.facility = facility
    }

    /// The message limit in force.
    public var resolvedMaxMessageBytes: Int { maxMessageBytes ?? 1024 * 1024 }
    /// The idle timeout in force.
    public var resolvedIdleTimeoutSeconds: Int { idleTimeoutSeconds ?? 300 }
    /// The connection limit in force.
    public var resolvedMaxConnections: Int { maxConnections ?? 64 }
    /// The per-address connection limit in force.
    public var resolvedMaxConnectionsPerAddress: Int { maxConnectionsPerAddress ?? 8 }
    /// MSH-3 of acknowledgements.
    public var resolvedApplication: String { application ?? "INFUSIOND" }

    /// The TCP address in force: host and port of `listen`.
    public var listenAddress: (host: String, port: Int)? { listen.flatMap(Self.hostAndPort) }

    enum CodingKeys: String, CodingKey, CaseIterable {
        case listen, socketPath, socketGroup, tls, senders, maxMessageBytes, idleTimeoutSeconds, maxConnections, maxConnectionsPerAddress
        case application, facility
    }

    /// Reads `host:port` (`[v6]:port` for IPv6); nil when it is not one.
    static func hostAndPort(_ text: String) -> (host: String, port: Int)? {
        let host: Substring
        let portText: Substring
        if text.hasPrefix("[") {
            guard let close = text.firstIndex(of: "]"), text[text.index(after: close)...].hasPrefix(":") else { return nil }
            host = text[text.index(after: text.startIndex)..<close]
            portText = text[text.index(close, offsetBy: 2)...]
        } else {
            guard let colon = text.lastIndex(of: ":"), !text[..<colon].contains(":") else { return nil }
            host = text[..<colon]
            portText = text[text.index(after: colon)...]
        }
        guard !host.isEmpty, let port = Int(portText), (1...65535).contains(port), String(port) == portText else { return nil }
        return (String(host), port)
    }

    /// Checks the section before it is decoded, so each mistake is reported with its line and what to write instead.
    static func validate(_ node: Node, file: String) throws {
        func fail(_ at: Node?, _ message: String) -> ConfigurationError {
            ConfigurationError(file: file, line: at?.mark?.line ?? node.mark?.line, message: message)
        }
        guard let mapping = node.mapping else {
            throw fail(node, "hl7 must be a mapping (listen, socketPath, senders, …); remove it to listen for no monitor messages")
        }
        let known = CodingKeys.allCases.map(\.rawValue)
        for (key, _) in mapping where !known.contains(key.string ?? "") {
            throw fail(key, "unknown setting 'hl7.\(key.string ?? "?")'; known: \(known.joined(separator: ", "))")
        }
        for name in ["listen", "socketPath", "socketGroup", "application", "facility"] {
            if let value = mapping[name], value.scalar == nil || value.string?.isEmpty == true {
                throw fail(value, "hl7.\(name) must be a non-empty text")
            }
        }
        if mapping["listen"] == nil && mapping["socketPath"] == nil {
            throw fail(node, "hl7 needs listen (host:port, e.g. 127.0.0.1:2575) or socketPath, or both; remove the section to listen for nothing")
        }
        if let listen = mapping["listen"], let text = listen.string, hostAndPort(text) == nil {
            throw fail(listen, "hl7.listen '\(text)' is not host:port (e.g. 127.0.0.1:2575, or [::1]:2575 for IPv6) with a port 1-65535")
        }
        if let path = mapping["socketPath"]?.string, path.utf8.count >= 108 {
            throw fail(mapping["socketPath"], "hl7.socketPath is \(path.utf8.count) bytes; Unix socket paths must be under 108 bytes")
        }
        let ranges: [(String, ClosedRange<Int>, String)] = [
            ("maxMessageBytes", 1024...(16 * 1024 * 1024), "1024…16777216"), ("idleTimeoutSeconds", 1...86_400, "1…86400"),
            ("maxConnections", 1...4096, "1…4096"), ("maxConnectionsPerAddress", 1...4096, "1…4096"),
        ]
        for (name, range, text) in ranges {
            guard let value = mapping[name] else { continue }
            guard let number = value.int, range.contains(number) else { throw fail(value, "hl7.\(name) must be a whole number \(text)") }
        }
        if let tls = mapping["tls"] {
            guard let tlsMapping = tls.mapping else { throw fail(tls, "hl7.tls must be a mapping with certificate, key and optionally clientCA") }
            let tlsKnown = HL7TLSConfiguration.CodingKeys.allCases.map(\.rawValue)
            for (key, _) in tlsMapping where !tlsKnown.contains(key.string ?? "") {
                throw fail(key, "unknown setting 'hl7.tls.\(key.string ?? "?")'; known: \(tlsKnown.joined(separator: ", "))")
            }
            for name in ["certificate", "key"] where tlsMapping[name] == nil {
                throw fail(tls, "hl7.tls.\(name) is required: a PEM file (the certificate chain, the private key)")
            }
            for (key, value) in tlsMapping where value.string?.isEmpty != false || value.scalar == nil {
                throw fail(value, "hl7.tls.\(key.string ?? "?") must be a file path")
            }
            if mapping["listen"] == nil {
                throw fail(tls, "hl7.tls needs hl7.listen: TLS is for the TCP listener (the Unix socket is local and plain)")
            }
        }
        guard let senders = mapping["senders"] else {
            throw fail(node, "hl7 needs senders: a list of {application, facility, from, certificateSubject, station, timeZone}; a message from anyone else is refused")
        }
        guard let list = senders.sequence, list.count > 0 else {
            throw fail(senders, "hl7.senders must be a non-empty list of {application, facility, from, certificateSubject, station, timeZone}")
        }
        for (index, sender) in list.enumerated() {
            try HL7SenderConfiguration.validate(sender, place: "hl7.senders[\(index)]", fail: fail)
            // Only a certificate that chained to clientCA is verified; without one the subject is anyone's to claim.
            if let subject = sender.mapping?["certificateSubject"], mapping["tls"]?.mapping?["clientCA"] == nil {
                throw fail(subject, "hl7.senders[\(index)].certificateSubject needs TLS with client certificates required: set hl7.tls "
                    + "with certificate, key and clientCA (the CA the senders' certificates chain to), or remove certificateSubject")
            }
        }
    }
}

/// One allow-listed sender: MSH-3.1 and MSH-4.1 (`*` for any), the addresses it may connect from and/or the common
/// name of its TLS client certificate, the station identity its readings are recorded under, and the zone of its
/// times sent without an offset.
public struct HL7SenderConfiguration: Codable, Sendable, Hashable {
    /// MSH-3 component 1, or `*`.
    public var application: String
    /// MSH-4 component 1, or `*`.
    public var facility: String
    /// Addresses and CIDR ranges (`10.20.0.0/16`, `127.0.0.1`, `::1`), or `unix` for the Unix socket; empty (left
    /// out) only with `certificateSubject`, which then matches from any address.
    public var from: [String]
    /// The station identity the audit trail and the readings record (`recordedBy`).
    public var station: String
    /// An IANA zone for times sent without an offset; without it such times are refused (AE 102).
    public var timeZone: String?
    /// `CN=<name>`: only a TLS client whose verified certificate's subject has exactly this one common name matches
    /// (``HL7CertificateSubject``); needs `hl7.tls.clientCA`.
    public var certificateSubject: String?

    /// A sender entry as the YAML gives it.
    public init(application: String, facility: String, from: [String], station: String, timeZone: String? = nil,
                certificateSubject: String? = nil) {
        self.application = application
        self.facility = facility
        self.from = from
        self.station = station
        self.timeZone = timeZone
        self.certificateSubject = certificateSubject
    }

    /// Reads an entry; `from` may be left out (as empty) because `validate` has already required it or
    /// `certificateSubject`.
    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        application = try container.decode(String.self, forKey: .application)
        facility = try container.decode(String.self, forKey: .facility)
        from = try container.decodeIfPresent([String].self, forKey: .from) ?? []
        station = try container.decode(String.self, forKey: .station)
        timeZone = try container.decodeIfPresent(String.self, forKey: .timeZone)
        certificateSubject = try container.decodeIfPresent(String.self, forKey: .certificateSubject)
    }

    enum CodingKeys: String, CodingKey, CaseIterable {
        case application, facility, from, station, timeZone, certificateSubject
    }

    static func validate(_ node: Node, place: String, fail: (Node?, String) -> ConfigurationError) throws {
        guard let mapping = node.mapping else { throw fail(node, "\(place) must be a mapping {application, facility, from, certificateSubject, station, timeZone}") }
        let known = CodingKeys.allCases.map(\.rawValue)
        for (key, _) in mapping where !known.contains(key.string ?? "") {
            throw fail(key, "unknown setting '\(place).\(key.string ?? "?")'; known: \(known.joined(separator: ", "))")
        }
        for name in ["application", "facility", "station"] {
            guard let value = mapping[name] else { throw fail(node, "\(place).\(name) is required (application and facility may be '*' for any)") }
            guard let text = value.string, !text.isEmpty, value.scalar != nil else { throw fail(value, "\(place).\(name) must be a non-empty text") }
        }
        if let zone = mapping["timeZone"] {
            guard let name = zone.string, TimeZone(identifier: name) != nil else {
                throw fail(zone, "\(place).timeZone '\(zone.string ?? "?")' is not an IANA zone such as Europe/Berlin")
            }
        }
        if let subject = mapping["certificateSubject"] {
            guard let text = subject.string, subject.scalar != nil, HL7CertificateSubject.commonName(ofSetting: text) != nil else {
                throw fail(subject, "\(place).certificateSubject '\(subject.string ?? "?")' must be CN=<common name> (e.g. CN=icu-gateway): "
                    + "the client certificate's subject is matched on its one common name, never on a whole distinguished name")
            }
        }
        guard let from = mapping["from"] else {
            if mapping["certificateSubject"] != nil { return }
            throw fail(node, "\(place).from is required: the addresses or CIDR ranges it connects from (e.g. [10.20.0.0/16]), or [unix] for the Unix socket; "
                + "or give certificateSubject (CN=<name>) for a TLS client certificate")
        }
        guard let entries = from.sequence.map(Array.init), !entries.isEmpty else {
            throw fail(from, "\(place).from must be a non-empty list, e.g. [10.20.0.0/16] or [unix]")
        }
        for entry in entries {
            guard let text = entry.string, text == "unix" || HL7AddressRange(text) != nil else {
                throw fail(entry, "\(place).from '\(entry.string ?? "?")' is not an address or CIDR range (10.20.0.0/16, 127.0.0.1, ::1/128) or 'unix'")
            }
            if entry.string == "unix", mapping["certificateSubject"] != nil {
                throw fail(entry, "\(place).from lists unix with certificateSubject: the Unix socket has no client certificate, so it never matches; "
                    + "give the Unix socket its own entry")
            }
        }
    }
}

extension DaemonConfiguration {
    /// Checks the `hl7` section: its shape and values, then any key the decoded value did not use.
    static func checkHL7(_ configuration: DaemonConfiguration, mapping: Node.Mapping, file: String) throws {
        guard let node = mapping["hl7"], let section = configuration.hl7 else { return }
        let reencoded = try? Yams.compose(yaml: try YAMLEncoder().encode(section))
        if let unknown = YAMLKeyCheck.firstUnknownKey(node, used: reencoded, path: [.key("hl7")]) {
            throw ConfigurationError(file: file, line: unknown.line, message: unknown.message)
        }
    }
}

/// `hl7.tls`: the TCP listener's certificate and key, and the CA that client certificates must chain to.
public struct HL7TLSConfiguration: Codable, Sendable, Hashable {
    /// PEM file with the server certificate chain, leaf first.
    public var certificate: String
    /// PEM file with the private key (readable by the daemon only).
    public var key: String
    /// PEM file of CA certificates; when set, every TLS client must present a certificate that chains to one of them.
    public var clientCA: String?

    public init(certificate: String, key: String, clientCA: String? = nil) {
        self.certificate = certificate
        self.key = key
        self.clientCA = clientCA
    }

    enum CodingKeys: String, CodingKey, CaseIterable {
        case certificate, key, clientCA
    }
}

extension DaemonConfiguration {
    /// The `hl7` settings that name things on this host: `hl7.socketGroup` must exist, and the TLS files must load
    /// as a server context. Made by `check-config` and at every start, with the other host checks.
    func checkHL7Host(file source: String) throws {
        guard let hl7 else { return }
        if let group = hl7.socketGroup, Self.gid(of: group) == nil {
            throw ConfigurationError(file: source, line: nil,
                                     message: "hl7.socketGroup '\(group)' does not exist on this host; create it (groupadd \(group)) or change hl7.socketGroup")
        }
        if let tls = hl7.tls {
            do {
                _ = try HL7Listener.context(tls)
            } catch let error as ConfigurationError {
                throw ConfigurationError(file: source, line: nil, message: "\(error.file): \(error.message)")
            }
        }
    }
}
