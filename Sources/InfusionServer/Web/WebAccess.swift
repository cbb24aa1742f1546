import Foundation
import HTTPTypes
import InfusionCore

/// The web socket's rules, resolved at start from `web:`: whose identity headers count, what they are called,
/// which proxy groups grant which roles, and the origin pages are served from.
public struct WebAccess: Sendable {
    /// The uid the proxy's workers connect as; only requests from it carry an identity.
    public var proxyUID: UInt32
    /// The header with the authenticated person.
    public var userHeader: HTTPField.Name
    /// The header with the person's groups, comma-separated.
    public var groupsHeader: HTTPField.Name
    /// Proxy group name → roles (never admin or monitor).
    public var groupRoles: [String: Set<Role>]
    /// The origin the pages are served from, or nil when only Fetch Metadata can vouch for a request.
    public var publicOrigin: String?
    /// How pages name a patient.
    public var patientDisplay: WebConfiguration.PatientDisplay
    /// The peer a request without a connection is taken to come from. Nil in the daemon (such a request is
    /// refused); only in-process router tests, which have no socket, set it.
    public var peerless: PeerCredentials?

    public init(proxyUID: UInt32, userHeader: String = WebConfiguration.defaultUserHeader,
                groupsHeader: String = WebConfiguration.defaultGroupsHeader, groupRoles: [String: Set<Role>] = [:],
                publicOrigin: String? = nil, patientDisplay: WebConfiguration.PatientDisplay = .full,
                peerless: PeerCredentials? = nil) {
        self.proxyUID = proxyUID
        self.userHeader = HTTPField.Name(userHeader) ?? HTTPField.Name(WebConfiguration.defaultUserHeader)!
        self.groupsHeader = HTTPField.Name(groupsHeader) ?? HTTPField.Name(WebConfiguration.defaultGroupsHeader)!
        // Admin and monitor are dropped here as well as refused by the configuration: nothing reaches them by web.
        self.groupRoles = groupRoles.mapValues { $0.intersection(WebConfiguration.grantableRoles) }
        self.publicOrigin = publicOrigin
        self.patientDisplay = patientDisplay
        self.peerless = peerless
    }

    /// Resolves the configured proxy account to its uid.
    public static func resolve(_ configuration: WebConfiguration, directory: AccessPolicy.Directory = .system) throws -> WebAccess {
        guard let account = configuration.proxy?.account else {
            throw AccessPolicyError(message: "web.proxy.account is required to serve the web socket; name the account the reverse proxy runs as, or remove the web section")
        }
        guard let uid = UInt32(account) ?? directory.uid(account) else {
            throw AccessPolicyError(message: "web.proxy.account '\(account)' does not exist on this host; name the account the reverse proxy's workers run as")
        }
        guard uid != 0 else {
            throw AccessPolicyError(message: "web.proxy.account may not be root (uid 0)")
        }
        return WebAccess(proxyUID: uid, userHeader: configuration.resolvedUserHeader, groupsHeader: configuration.resolvedGroupsHeader,
                         groupRoles: (configuration.roles ?? [:]).mapValues(Set.init), publicOrigin: configuration.publicOrigin,
                         patientDisplay: configuration.resolvedPatientDisplay)
    }

    /// The roles the proxy says a person's groups grant.
    public func roles(groups: [String]) -> Set<Role> {
        groups.reduce(into: Set<Role>()) { $0.formUnion(groupRoles[$1] ?? []) }
    }
}
