import Foundation
import HTTPTypes
import InfusionCore

/// Who a request on the web socket speaks for: the person the reverse proxy authenticated, trusted only when the
/// connection's peer (SO_PEERCRED) is the configured proxy account, and the roles the person's groups grant.
///
/// Settled afresh for every request, never per connection: a proxy reuses one connection for many people.
public struct WebIdentity: Sendable, Hashable {
    /// The connection's peer: the proxy's worker when the request is trusted.
    public var peer: PeerCredentials?
    /// The authenticated person; nil unless the peer is the proxy account and it named a usable person.
    public var user: String?
    /// The person's groups as the proxy sent them (empty unless trusted).
    public var groups: [String]
    /// The roles those groups grant under `web.roles` (never admin).
    public var roles: Set<Role>
    /// Why the request may not go on (401 or 403), or nil.
    public var refusal: Problem?

    public init(peer: PeerCredentials?, user: String?, groups: [String], roles: Set<Role>, refusal: Problem?) {
        self.peer = peer
        self.user = user
        self.groups = groups
        self.roles = roles
        self.refusal = refusal
    }

    /// The identity of a request with `headers` from `peer` under `access`.
    public static func settle(headers: HTTPFields, peer: PeerCredentials?, access: WebAccess) -> WebIdentity {
        func refused(_ status: Int, _ code: String, _ title: String, _ detail: String) -> WebIdentity {
            WebIdentity(peer: peer, user: nil, groups: [], roles: [],
                        refusal: Problem(status: status, code: code, title: title, detail: detail))
        }
        let userName = access.userHeader.canonicalName
        let groupsName = access.groupsHeader.canonicalName
        guard let peer else {
            return refused(403, "web.untrustedPeer", "Not from the proxy",
                           "The connection carries no peer credentials, so the daemon cannot tell that it comes from the reverse proxy; connect through the proxy to the web socket.")
        }
        // `X_Remote_User` is not `X-Remote-User` here, but some proxies and frameworks treat them as one: a client
        // that sends such a variant is trying to be someone, and is refused rather than ignored.
        if let variant = headers.first(where: { field in
            let name = field.name.canonicalName
            guard name.contains("_") else { return false }
            let folded = name.replacingOccurrences(of: "_", with: "-")
            return folded == userName || folded == groupsName
        }) {
            return refused(403, "web.identityRefused", "Identity header refused",
                           "The request carries '\(RefusalAudit.bounded(variant.name.rawName, limit: 64))', an underscore variant of an identity header; the proxy must strip such headers from clients (nginx drops them unless underscores_in_headers is on).")
        }
        let claimed = headers[values: access.userHeader]
        guard peer.uid == access.proxyUID else {
            let claim = claimed.first.map { " It sent \(access.userHeader.rawName) '\(RefusalAudit.bounded($0, limit: 64))', which only the proxy account may send." } ?? ""
            return refused(403, "web.untrustedPeer", "Not from the proxy",
                           "The web socket serves only the reverse proxy (uid \(access.proxyUID), web.proxy.account); this connection's peer is \(PeerAccess(peer: peer, roles: []).peerDescription).\(claim) Open the pages through the proxy; programs use the daemon's own socket.")
        }
        guard let first = claimed.first, !first.trimmingCharacters(in: .whitespaces).isEmpty else {
            return refused(401, "web.unauthenticated", "Not signed in",
                           "The proxy sent no \(access.userHeader.rawName) header, so the daemon does not know who is asking. Sign in through the proxy; if you are signed in, the proxy's configuration must set \(access.userHeader.rawName) on every location (docs/OPERATIONS.md).")
        }
        guard claimed.count == 1 else {
            return refused(403, "web.identityRefused", "Identity header refused",
                           "The request carries \(claimed.count) \(access.userHeader.rawName) headers; the proxy must replace whatever the client sent with exactly one.")
        }
        let user = first.trimmingCharacters(in: .whitespaces)
        if let violation = TextRules.violation(in: user, kind: .identifier) {
            return refused(403, "web.identityRefused", "Identity header refused",
                           "\(access.userHeader.rawName) is not a usable staff identifier (\(RequestText.problem(violation, field: access.userHeader.rawName, kind: .identifier).detail)); check what the proxy puts in it.")
        }
        let groups = headers[values: access.groupsHeader]
            .flatMap { $0.split(separator: ",") }
            .map { $0.trimmingCharacters(in: .whitespaces) }
            .filter { !$0.isEmpty }
        return WebIdentity(peer: peer, user: user, groups: groups, roles: access.roles(groups: groups), refusal: nil)
    }

    /// The audit actor of a web request: the person (when trusted), their roles, the proxy's process, `via: web`.
    public var actor: AuditActor {
        let role = user == nil || roles.isEmpty ? nil : roles.sorted().map(\.rawValue).joined(separator: ",")
        return AuditActor(person: user, role: role, uid: peer?.uid, gid: peer?.gid, pid: peer?.pid, via: "web")
    }
}
