import Foundation
import Yams

/// The `access:` section of the config: which Unix groups and accounts get which roles (SPEC §7).
///
/// Names may be written as names (`infusiond-station`) or numbers (`1001`). Root and the daemon's own account are
/// always admin and need no entry. When the section is absent the four groups the package creates are used.
public struct AccessConfiguration: Codable, Sendable, Hashable {
    /// Unix group name (or number) → the roles its members get.
    public var groups: [String: [Role]]
    /// Account name (or uid) → the roles that account gets, whatever its groups.
    public var users: [String: [Role]]

    /// The groups `sysusers.d/infusiond.conf` creates, one per role.
    public static let defaultGroups: [String: [Role]] = [
        "infusiond-station": [.station],
        "infusiond-clinician": [.clinician],
        "infusiond-auditor": [.auditor],
        "infusiond-admin": [.admin],
        "infusiond-monitor": [.monitor],
    ]

    public init(groups: [String: [Role]] = AccessConfiguration.defaultGroups, users: [String: [Role]] = [:]) {
        self.groups = groups
        self.users = users
    }

    enum CodingKeys: String, CodingKey, CaseIterable {
        case groups, users
    }

    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        self.init(
            groups: try container.decodeIfPresent([String: RoleList].self, forKey: .groups)?.mapValues(\.roles)
                ?? Self.defaultGroups,
            users: try container.decodeIfPresent([String: RoleList].self, forKey: .users)?.mapValues(\.roles) ?? [:])
    }

    /// One role (`station`) or a list of roles (`[station, auditor]`).
    struct RoleList: Decodable {
        var roles: [Role]

        init(from decoder: any Decoder) throws {
            let container = try decoder.singleValueContainer()
            if let one = try? container.decode(Role.self) {
                roles = [one]
            } else {
                roles = try container.decode([Role].self)
            }
        }
    }

    /// Checks the section's shape before decoding, so a mistake is reported with its line: unknown keys, unknown
    /// roles, and a mapping of the root group (root is already admin; its group would make every root-group
    /// process privileged and cannot be told apart reliably in the peer's supplementary groups).
    static func validate(_ node: Node, file: String) throws {
        guard let mapping = node.mapping else {
            throw ConfigurationError(file: file, line: node.mark?.line,
                                     message: "access must be a mapping with 'groups' and/or 'users'")
        }
        for (key, value) in mapping {
            guard let name = key.string, let section = CodingKeys(rawValue: name) else {
                throw ConfigurationError(
                    file: file, line: key.mark?.line,
                    message: "unknown setting 'access.\(key.string ?? "?")'; known: groups, users")
            }
            guard let entries = value.mapping else {
                throw ConfigurationError(
                    file: file, line: value.mark?.line ?? key.mark?.line,
                    message: "access.\(name) must map a \(section == .groups ? "group" : "user") name to a role, e.g. 'infusiond-station: station'")
            }
            for (entryKey, entryValue) in entries {
                let entryName = entryKey.string ?? ""
                if section == .groups, entryName == "root" || entryName == "0" {
                    throw ConfigurationError(
                        file: file, line: entryKey.mark?.line,
                        message: "access.groups may not map the root group; root is admin already, give other accounts a dedicated group")
                }
                let roleNodes: [Node] = entryValue.sequence.map(Array.init) ?? [entryValue]
                if roleNodes.isEmpty {
                    throw ConfigurationError(file: file, line: entryValue.mark?.line,
                                             message: "access.\(name).\(entryName) lists no role")
                }
                for roleNode in roleNodes where Role(rawValue: roleNode.string ?? "") == nil {
                    throw ConfigurationError(
                        file: file, line: roleNode.mark?.line ?? entryKey.mark?.line,
                        message: "'\(roleNode.string ?? "?")' in access.\(name).\(entryName) is not a role; roles: \(Role.allCases.map(\.rawValue).joined(separator: ", "))")
                }
            }
        }
    }
}
