import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// Who gets which roles: the `access:` configuration resolved to numeric ids at start, plus the fixed rule that
/// root and the daemon's own account are admin.
public struct AccessPolicy: Sendable, Hashable {
    /// gid → roles for members (primary or supplementary group).
    public var groupRoles: [UInt32: Set<Role>]
    /// uid → roles for that account.
    public var userRoles: [UInt32: Set<Role>]
    /// Accounts that are always admin: root and the daemon's own uid.
    public var adminUIDs: Set<UInt32>
    /// What a request gets when the connection carries no peer credentials. Empty (refuse) in the daemon; only
    /// in-process router tests, which have no socket, set it.
    public var peerlessRoles: Set<Role>

    public init(groupRoles: [UInt32: Set<Role>] = [:], userRoles: [UInt32: Set<Role>] = [:],
                adminUIDs: Set<UInt32> = [0], peerlessRoles: Set<Role> = []) {
        self.groupRoles = groupRoles
        self.userRoles = userRoles
        self.adminUIDs = adminUIDs
        self.peerlessRoles = peerlessRoles
    }

    /// A policy for in-process router tests: every request without a socket gets `roles`.
    public static func inProcessTests(as roles: Set<Role> = [.admin]) -> AccessPolicy {
        AccessPolicy(peerlessRoles: roles)
    }

    /// The roles a peer holds; a request without peer credentials gets ``peerlessRoles``.
    public func roles(for peer: PeerCredentials?) -> Set<Role> {
        guard let peer else { return peerlessRoles }
        var roles = userRoles[peer.uid] ?? []
        if adminUIDs.contains(peer.uid) { roles.insert(.admin) }
        for gid in [peer.gid] + peer.groups {
            roles.formUnion(groupRoles[gid] ?? [])
        }
        return roles
    }

    /// Looks up account and group names; a seam so tests do not depend on the machine's accounts.
    public struct Directory: Sendable {
        /// The gid of a group name, or nil when there is no such group.
        public var gid: @Sendable (String) -> UInt32?
        /// The uid of an account name, or nil when there is no such account.
        public var uid: @Sendable (String) -> UInt32?

        public init(gid: @escaping @Sendable (String) -> UInt32?, uid: @escaping @Sendable (String) -> UInt32?) {
            self.gid = gid
            self.uid = uid
        }

        /// The system's group and password databases (NSS: /etc/group, /etc/passwd, LDAP, …).
        public static let system = Directory(
            gid: { name in
                var entry = group()
                var result: UnsafeMutablePointer<group>?
                var buffer = [CChar](repeating: 0, count: 16384)
                guard getgrnam_r(name, &entry, &buffer, buffer.count, &result) == 0, result != nil else { return nil }
                return entry.gr_gid
            },
            uid: { name in
                var entry = passwd()
                var result: UnsafeMutablePointer<passwd>?
                var buffer = [CChar](repeating: 0, count: 16384)
                guard getpwnam_r(name, &entry, &buffer, buffer.count, &result) == 0, result != nil else { return nil }
                return entry.pw_uid
            })
    }

    /// Resolves the configured names. Names that do not exist are left out and reported as warnings (their
    /// members simply get no role); a group that resolves to gid 0 is refused.
    public static func resolve(
        _ configuration: AccessConfiguration, daemonUID: UInt32 = getuid(), directory: Directory = .system
    ) throws -> (policy: AccessPolicy, warnings: [String]) {
        var policy = AccessPolicy(adminUIDs: [0, daemonUID])
        var warnings: [String] = []
        for (name, roles) in configuration.groups.sorted(by: { $0.key < $1.key }) {
            guard let gid = UInt32(name) ?? directory.gid(name) else {
                warnings.append("access.groups: there is no group '\(name)'; create it (groupadd \(name)) or remove the entry")
                continue
            }
            guard gid != 0 else {
                throw AccessPolicyError(message: "access.groups: '\(name)' is the root group (gid 0); give clients a dedicated group instead")
            }
            policy.groupRoles[gid, default: []].formUnion(roles)
        }
        for (name, roles) in configuration.users.sorted(by: { $0.key < $1.key }) {
            guard let uid = UInt32(name) ?? directory.uid(name) else {
                warnings.append("access.users: there is no account '\(name)'; create it or remove the entry")
                continue
            }
            policy.userRoles[uid, default: []].formUnion(roles)
        }
        return (policy, warnings)
    }
}

/// An access configuration that cannot be used, with what to change.
public struct AccessPolicyError: Error, CustomStringConvertible, Sendable {
    public var message: String
    public var description: String { message }
}
