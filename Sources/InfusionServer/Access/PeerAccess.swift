#if canImport(Glibc)
import Glibc
#endif

/// The identity and roles of the connection a request came in on, settled once by ``AccessMiddleware``.
public struct PeerAccess: Sendable, Hashable {
    /// The kernel-reported peer, or nil when the connection carries none (in-process tests).
    public var peer: PeerCredentials?
    /// The roles the peer holds under the daemon's policy.
    public var roles: Set<Role>

    public init(peer: PeerCredentials?, roles: Set<Role>) {
        self.peer = peer
        self.roles = roles
    }

    /// The peer for people: `uid 1001 (nurse3), gid 1001 (nurse3), groups 2001 (infusiond-station), pid 4242`.
    public var peerDescription: String {
        guard let peer else { return "a connection without peer credentials" }
        return "\(Self.identity(of: peer)), pid \(peer.pid)"
    }

    /// The account part of ``peerDescription``: `uid 1001 (nurse3), gid 1001 (nurse3), groups 2001 (…)`.
    static func identity(of peer: PeerCredentials) -> String {
        var parts = ["uid \(peer.uid)\(Self.name(user: peer.uid))", "gid \(peer.gid)\(Self.name(group: peer.gid))"]
        if !peer.groups.isEmpty {
            parts.append("groups " + peer.groups.map { "\($0)\(Self.name(group: $0))" }.joined(separator: ", "))
        }
        return parts.joined(separator: ", ")
    }

    private static func name(user uid: UInt32) -> String {
        var entry = passwd()
        var result: UnsafeMutablePointer<passwd>?
        var buffer = [CChar](repeating: 0, count: 16384)
        guard getpwuid_r(uid, &entry, &buffer, buffer.count, &result) == 0, result != nil, let name = entry.pw_name else { return "" }
        return " (\(String(cString: name)))"
    }

    private static func name(group gid: UInt32) -> String {
        var entry = group()
        var result: UnsafeMutablePointer<group>?
        var buffer = [CChar](repeating: 0, count: 16384)
        guard getgrgid_r(gid, &entry, &buffer, buffer.count, &result) == 0, result != nil, let name = entry.gr_name else { return "" }
        return " (\(String(cString: name)))"
    }
}
