/// What a connecting account may do (SPEC §7); a peer can hold several roles and gets the union of their rights.
public enum Role: String, CaseIterable, Codable, Sendable, Comparable {
    /// Nursing-station software: posts observations and bedside confirmations, acknowledges alerts, reads.
    case station
    /// Pain-team clinicians: everything a station may do, plus starting sessions and clinical actions.
    case clinician
    /// Auditors: read-only sessions and alerts, the audit trail and its exports.
    case auditor
    /// Operators: everything, including backup and reload. Root and the daemon's own account are always admin.
    case admin
    /// Monitoring (a Prometheus scraper, a health check): `/metrics` and `/v1/health` only, no patient data.
    case monitor

    /// Roles in a stable order for messages and audit records.
    public static func < (lhs: Role, rhs: Role) -> Bool {
        allCases.firstIndex(of: lhs)! < allCases.firstIndex(of: rhs)!
    }

    /// A set of roles as a readable list, e.g. `station, clinician`, or `none`.
    static func describe(_ roles: Set<Role>) -> String {
        roles.isEmpty ? "none" : roles.sorted().map(\.rawValue).joined(separator: ", ")
    }

    /// The roles any one of which is enough, e.g. `clinician or admin`.
    static func either(_ roles: Set<Role>) -> String {
        roles.isEmpty ? "none" : roles.sorted().map(\.rawValue).joined(separator: " or ")
    }
}
