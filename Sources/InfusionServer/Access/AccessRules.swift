import InfusionCore

/// The one table of which role may call which route (SPEC §7), and which session actions a role may take.
///
/// A route that is not in the table is open to admin only, so a new route is closed until someone decides who
/// may use it (a test checks that every served route has a row).
public enum AccessRules {
    /// One row: a method, a path pattern (`:name` matches one path segment) and the roles allowed.
    public struct Rule: Sendable, Hashable {
        public var method: String
        public var path: String
        public var roles: Set<Role>

        init(_ method: String, _ path: String, _ roles: Set<Role>) {
            self.method = method
            self.path = path
            self.roles = roles
        }

        /// Whether this row covers a request.
        func matches(method: String, segments: [Substring]) -> Bool {
            guard method == self.method else { return false }
            let pattern = path.split(separator: "/")
            guard pattern.count == segments.count else { return false }
            return zip(pattern, segments).allSatisfy { expected, actual in
                expected.hasPrefix(":") || expected.hasPrefix("{") ? !actual.isEmpty : expected == actual
            }
        }
    }

    static let everyone = Set(Role.allCases)
    /// Every role that may see patient data: all but `monitor`.
    static let readers: Set<Role> = [.station, .clinician, .auditor, .admin]
    static let bedside: Set<Role> = [.station, .clinician, .admin]
    static let clinical: Set<Role> = [.clinician, .admin]
    static let audit: Set<Role> = [.auditor, .admin]
    static let operators: Set<Role> = [.admin]

    /// Every route and who may call it.
    public static let routes: [Rule] = [
        Rule("GET", "/v1/health", everyone),
        Rule("GET", "/metrics", everyone),
        Rule("POST", "/v1/sessions", clinical),
        // The start checks without the start: stores nothing, but only those who may start need it.
        Rule("POST", "/v1/sessions/preview", clinical),
        Rule("GET", "/v1/sessions", readers),
        Rule("GET", "/v1/sessions/:id", readers),
        Rule("GET", "/v1/sessions/:id/events", readers),
        Rule("GET", "/v1/sessions/:id/series", readers),
        Rule("POST", "/v1/sessions/:id/observations", bedside),
        // Open to stations for the bedside confirmation `pumpStopped` and `bind`; the other actions need a clinician
        // (see `actions`).
        Rule("POST", "/v1/sessions/:id/actions", bedside),
        // A replay reads only; clinicians and auditors check decisions with it.
        Rule("POST", "/v1/sessions/:id/replay", [.clinician, .auditor, .admin]),
        // Re-runs a session's recorded events against its recorded rules; reads only.
        Rule("POST", "/v1/sessions/:id/replay", [.clinician, .auditor, .admin]),
        Rule("GET", "/v1/alerts", readers),
        Rule("GET", "/v1/alerts/stream", readers),
        Rule("POST", "/v1/alerts/:id/ack", bedside),
        Rule("GET", "/v1/audit", audit),
        Rule("GET", "/v1/audit/verify", audit),
        Rule("GET", "/v1/audit/export", audit),
        Rule("GET", "/v1/audit/checkpoint", audit),
        Rule("GET", "/v1/audit/public-key", audit),
        Rule("GET", "/v1/audit/proof/consistency", audit),
        Rule("GET", "/v1/audit/proof/inclusion", audit),
        // The browser station (web socket only): pages and assets carry no data, the board and station facts are
        // reads like GET /v1/sessions; starting is the clinicians' page, the audit page the auditors'.
        Rule("GET", "/", readers),
        Rule("GET", "/sessions/:id", readers),
        Rule("GET", "/start", clinical),
        Rule("GET", "/alerts", readers),
        Rule("GET", "/audit", audit),
        Rule("GET", "/assets/:name", readers),
        Rule("GET", "/v1/station", readers),
        Rule("GET", "/v1/board", readers),
        Rule("POST", "/v1/admin/backup", operators),
        Rule("POST", "/v1/admin/reload", operators),
    ]

    /// Who may take each session action: stations confirm a stopped pump and bind the bedside monitor they
    /// connected; everything else is clinical.
    public static let actions: [SessionActionKind: Set<Role>] = Dictionary(
        uniqueKeysWithValues: SessionActionKind.allCases.map { ($0, [.pumpStopped, .bind].contains($0) ? bedside : clinical) })

    /// The row for a request, if there is one.
    public static func rule(method: String, path: String) -> Rule? {
        let segments = path.split(separator: "?", maxSplits: 1).first.map { $0.split(separator: "/") } ?? []
        return routes.first { $0.matches(method: method, segments: segments) }
    }

    /// The roles that may call a route; admin only for a route without a row.
    public static func roles(method: String, path: String) -> Set<Role> {
        rule(method: method, path: path)?.roles ?? operators
    }

    /// Refuses a session action the caller's roles do not allow, e.g. a station asking to `stop`.
    public static func authorize(action: SessionActionKind, context: InfusionRequestContext) throws {
        let allowed = actions[action] ?? clinical
        let held = context.access?.roles ?? []
        guard held.isDisjoint(with: allowed) else { return }
        throw Problem(
            status: 403, code: "access.denied", title: "Not allowed for this role",
            detail: "The action '\(action.rawValue)' needs the role \(Role.either(allowed)); this connection holds \(Role.describe(held)). A station may only confirm 'pumpStopped' or 'bind' a monitor; ask a clinician.",
            field: "action")
    }
}
