import Foundation
import Yams

/// `web:` in the daemon config: the second Unix socket that a reverse proxy (nginx) connects to on behalf of staff
/// in a browser, and how the proxy's identity headers are trusted and turned into roles.
///
/// The web socket is served only when the section is present, and the section needs `proxy.account`: without a
/// trusted proxy account every web request would be refused, so a daemon on built-in defaults opens no web socket
/// at all (docs/CONFIG.md, Web).
public struct WebConfiguration: Codable, Sendable, Hashable {
    /// The web socket; defaults to `<stateDirectory>/web.sock`.
    public var socketPath: String?
    /// The group given the web socket (mode 0660): the proxy's account is a member, the ward's accounts are not.
    public var socketGroup: String?
    /// The proxy: which account it runs as and which headers carry the person it authenticated.
    public var proxy: WebProxyConfiguration?
    /// Proxy group name → the roles its members get on the web (station, clinician or auditor; never admin).
    public var roles: [String: [Role]]?
    /// The origin browsers load the pages from, e.g. `https://infusion.ward7.example` (scheme, host and port
    /// only); a state-changing request whose `Origin` is another is refused.
    public var publicOrigin: String?
    /// How pages name a patient: the full patient id, or bed and initials for wall screens.
    public var patientDisplay: PatientDisplay?

    public init(socketPath: String? = nil, socketGroup: String? = nil, proxy: WebProxyConfiguration? = nil,
                roles: [String: [Role]]? = nil, publicOrigin: String? = nil, patientDisplay: PatientDisplay? = nil) {
        self.socketPath = socketPath
        self.socketGroup = socketGroup
        self.proxy = proxy
        self.roles = roles
        self.publicOrigin = publicOrigin
        self.patientDisplay = patientDisplay
    }

    /// How pages name a patient.
    public enum PatientDisplay: String, Codable, Sendable, Hashable, CaseIterable {
        /// The patient id as sent at the start.
        case full
        /// Bed and initials, for screens people walk past.
        case bedAndInitials
    }

    /// The roles a proxy group may grant: admin and monitor are never reachable through the web.
    public static let grantableRoles: Set<Role> = [.station, .clinician, .auditor]
    /// The default header names (the Kubernetes front-proxy names).
    public static let defaultUserHeader = "X-Remote-User"
    public static let defaultGroupsHeader = "X-Remote-Groups"

    /// The web socket path in force for a daemon whose state lives in `stateDirectory`.
    public func resolvedSocketPath(stateDirectory: String) -> String { socketPath ?? "\(stateDirectory)/web.sock" }
    /// The user header in force.
    public var resolvedUserHeader: String { proxy?.userHeader ?? Self.defaultUserHeader }
    /// The groups header in force.
    public var resolvedGroupsHeader: String { proxy?.groupsHeader ?? Self.defaultGroupsHeader }
    /// The patient display in force.
    public var resolvedPatientDisplay: PatientDisplay { patientDisplay ?? .full }

    enum CodingKeys: String, CodingKey, CaseIterable {
        case socketPath, socketGroup, proxy, roles, publicOrigin, patientDisplay
    }

    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        self.init(
            socketPath: try container.decodeIfPresent(String.self, forKey: .socketPath),
            socketGroup: try container.decodeIfPresent(String.self, forKey: .socketGroup),
            proxy: try container.decodeIfPresent(WebProxyConfiguration.self, forKey: .proxy),
            roles: try container.decodeIfPresent([String: AccessConfiguration.RoleList].self, forKey: .roles)?.mapValues(\.roles),
            publicOrigin: try container.decodeIfPresent(String.self, forKey: .publicOrigin),
            patientDisplay: try container.decodeIfPresent(PatientDisplay.self, forKey: .patientDisplay))
    }

    /// Checks the section before it is decoded, so each mistake is reported with its line and what to write
    /// instead: unknown keys, a missing proxy account, roles that the web may not grant, header names and an origin
    /// that cannot work.
    static func validate(_ node: Node, file: String) throws {
        func fail(_ at: Node?, _ message: String) -> ConfigurationError {
            ConfigurationError(file: file, line: at?.mark?.line ?? node.mark?.line, message: message)
        }
        guard let mapping = node.mapping else {
            throw fail(node, "web must be a mapping (socketPath, socketGroup, proxy, roles, publicOrigin, patientDisplay); remove it to serve no web socket")
        }
        let known = CodingKeys.allCases.map(\.rawValue)
        for (key, _) in mapping where !known.contains(key.string ?? "") {
            throw fail(key, "unknown setting 'web.\(key.string ?? "?")'; known: \(known.joined(separator: ", "))")
        }
        for name in ["socketPath", "socketGroup", "publicOrigin", "patientDisplay"] {
            if let value = mapping[name], value.scalar == nil || value.string?.isEmpty == true {
                throw fail(value, "web.\(name) must be a non-empty text")
            }
        }
        if let path = mapping["socketPath"]?.string, path.utf8.count >= 108 {
            throw fail(mapping["socketPath"], "web.socketPath is \(path.utf8.count) bytes; Unix socket paths must be under 108 bytes")
        }
        guard let proxy = mapping["proxy"] else {
            throw fail(node, "web needs proxy.account: the account the reverse proxy runs as (e.g. www-data), whose identity headers the daemon trusts; remove the web section to serve no web socket")
        }
        guard let proxyMapping = proxy.mapping else {
            throw fail(proxy, "web.proxy must be a mapping with account, userHeader and groupsHeader")
        }
        let proxyKnown = WebProxyConfiguration.CodingKeys.allCases.map(\.rawValue)
        for (key, _) in proxyMapping where !proxyKnown.contains(key.string ?? "") {
            throw fail(key, "unknown setting 'web.proxy.\(key.string ?? "?")'; known: \(proxyKnown.joined(separator: ", "))")
        }
        guard let account = proxyMapping["account"], let accountName = account.string, !accountName.isEmpty else {
            throw fail(proxyMapping["account"] ?? proxy, "web.proxy.account is required: the account (name or uid) the reverse proxy's workers run as, e.g. www-data")
        }
        if accountName == "root" || accountName == "0" {
            throw fail(account, "web.proxy.account may not be root: every root process could then claim to be any member of staff; run the proxy's workers as their own account (nginx: user www-data)")
        }
        var headers: [String: Node] = [:]
        for name in ["userHeader", "groupsHeader"] {
            guard let value = proxyMapping[name] else { continue }
            guard let header = value.string, WebProxyConfiguration.isUsableHeaderName(header) else {
                throw fail(value, "web.proxy.\(name) '\(value.string ?? "?")' is not a usable header name: letters, digits and '-' only (no '_', which nginx drops and other proxies rewrite)")
            }
            headers[name] = value
        }
        let user = (proxyMapping["userHeader"]?.string ?? defaultUserHeader).lowercased()
        let groups = (proxyMapping["groupsHeader"]?.string ?? defaultGroupsHeader).lowercased()
        if user == groups {
            throw fail(headers["groupsHeader"] ?? headers["userHeader"], "web.proxy.userHeader and web.proxy.groupsHeader must be different headers")
        }
        if let roles = mapping["roles"] {
            guard let entries = roles.mapping else {
                throw fail(roles, "web.roles must map a proxy group name to a role or a list of roles, e.g. 'ward7-nurses: station'")
            }
            for (groupKey, value) in entries {
                let group = groupKey.string ?? ""
                guard !group.isEmpty, !group.contains(",") else {
                    throw fail(groupKey, "web.roles: '\(group)' is not a group name the proxy can send (the groups header is comma-separated)")
                }
                let roleNodes: [Node] = value.sequence.map(Array.init) ?? [value]
                if roleNodes.isEmpty { throw fail(value, "web.roles.\(group) lists no role") }
                for roleNode in roleNodes {
                    let name = roleNode.string ?? "?"
                    guard let role = Role(rawValue: name) else {
                        throw fail(roleNode, "'\(name)' in web.roles.\(group) is not a role; the web grants station, clinician or auditor")
                    }
                    guard grantableRoles.contains(role) else {
                        throw fail(roleNode, "web.roles.\(group) may not grant '\(name)': \(role == .admin ? "admin is never reachable through the web; operators use the daemon's own socket" : "the web grants station, clinician or auditor")")
                    }
                }
            }
        }
        if let origin = mapping["publicOrigin"], let text = origin.string, let problem = originProblem(text) {
            throw fail(origin, "web.publicOrigin '\(text)' \(problem)")
        }
        if let display = mapping["patientDisplay"], PatientDisplay(rawValue: display.string ?? "") == nil {
            throw fail(display, "web.patientDisplay '\(display.string ?? "?")' is not known; use full or bedAndInitials")
        }
    }

    /// Why a text is not an origin browsers send (`https://host[:port]`, lower case, nothing after), or nil.
    /// Plain `http` is allowed only for the loopback names, which browsers treat as secure (a test install).
    static func originProblem(_ text: String) -> String? {
        guard let components = URLComponents(string: text), let scheme = components.scheme, let host = components.host, !host.isEmpty else {
            return "is not an origin; write scheme, host and port only, e.g. https://infusion.ward7.example"
        }
        guard components.path.isEmpty, components.query == nil, components.fragment == nil, components.user == nil,
              components.password == nil else {
            return "has more than scheme, host and port; browsers send the origin without a path (no trailing '/')"
        }
        guard text == text.lowercased() else {
            return "must be written in lower case, as browsers send it"
        }
        switch scheme {
        case "https":
            return nil
        case "http" where ["localhost", "127.0.0.1", "[::1]", "::1"].contains(host):
            return nil
        case "http":
            return "uses plain http on a host other than loopback: browsers then send no Fetch Metadata and the ward's traffic is readable; serve the pages over https"
        default:
            return "must start with https://"
        }
    }
}

/// `web.proxy`: the reverse proxy's account and its identity headers.
public struct WebProxyConfiguration: Codable, Sendable, Hashable {
    /// The account (name or uid) the proxy's workers connect as; only its requests' identity headers count.
    public var account: String
    /// The header carrying the authenticated person's staff identifier (default `X-Remote-User`).
    public var userHeader: String?
    /// The header carrying the person's groups, comma-separated (default `X-Remote-Groups`).
    public var groupsHeader: String?

    public init(account: String, userHeader: String? = nil, groupsHeader: String? = nil) {
        self.account = account
        self.userHeader = userHeader
        self.groupsHeader = groupsHeader
    }

    enum CodingKeys: String, CodingKey, CaseIterable {
        case account, userHeader, groupsHeader
    }

    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        // A uid written as a number is read as its text.
        if let number = try? container.decode(UInt32.self, forKey: .account) {
            account = String(number)
        } else {
            account = try container.decode(String.self, forKey: .account)
        }
        userHeader = try container.decodeIfPresent(String.self, forKey: .userHeader)
        groupsHeader = try container.decodeIfPresent(String.self, forKey: .groupsHeader)
    }

    /// Whether a header name is a token made of letters, digits and hyphens, starting with a letter.
    static func isUsableHeaderName(_ name: String) -> Bool {
        func letter(_ scalar: Unicode.Scalar) -> Bool { ("A"..."Z").contains(scalar) || ("a"..."z").contains(scalar) }
        guard let first = name.unicodeScalars.first, letter(first), name.utf8.count <= 64 else { return false }
        return name.unicodeScalars.allSatisfy { letter($0) || ("0"..."9").contains($0) || $0 == "-" }
    }
}

extension DaemonConfiguration {
    /// Checks the `web` section: its shape and values (``WebConfiguration/validate(_:file:)``), then any key the
    /// decoded value did not use.
    static func checkWeb(_ configuration: DaemonConfiguration, mapping: Node.Mapping, file: String) throws {
        guard let node = mapping["web"], let section = configuration.web else { return }
        let reencoded = try? Yams.compose(yaml: try YAMLEncoder().encode(section))
        if let unknown = YAMLKeyCheck.firstUnknownKey(node, used: reencoded, path: [.key("web")]) {
            throw ConfigurationError(file: file, line: unknown.line, message: unknown.message)
        }
    }

    /// The web socket path in force, or nil when no web socket is served.
    public var resolvedWebSocketPath: String? {
        web.map { $0.resolvedSocketPath(stateDirectory: stateDirectory) }
    }
}
