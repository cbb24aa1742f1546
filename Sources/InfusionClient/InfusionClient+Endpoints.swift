import Foundation
import InfusionCore

extension InfusionClient {
    /// `GET /v1/health`: version, uptime, database state, rule-set hash and counts.
    public func health() async throws -> Health {
        try await get("/v1/health", as: Health.self)
    }

    /// `POST /v1/sessions`: starts an infusion session and returns it as stored.
    public func startSession(_ request: StartSessionRequest) async throws -> Session {
        try await post("/v1/sessions", request, as: Session.self, expecting: [201])
    }

    /// `GET /v1/sessions`: the sessions in a state (`open`, `closed` or `all`; the daemon's default when nil).
    public func listSessions(state: String? = nil) async throws -> [Session] {
        let path = Self.path("/v1/sessions", query: [("state", state)])
        return try await get(path, as: SessionList.self).sessions
    }

    /// `GET /v1/sessions/{id}`: one session with its open alerts, last observation and recent decisions.
    public func session(id: UUID) async throws -> SessionDetail {
        try await get("/v1/sessions/\(id.uuidString.lowercased())", as: SessionDetail.self)
    }

    /// `POST /v1/sessions/{id}/observations`: records what a station saw and returns the decisions taken.
    ///
    /// A repeat with the same `eventId` and body returns the original result (status 200) and stores nothing new.
    public func observe(sessionId: UUID, _ request: ObservationRequest) async throws -> EventResponse {
        try await post(
            "/v1/sessions/\(sessionId.uuidString.lowercased())/observations", request, as: EventResponse.self,
            expecting: [200, 201])
    }

    /// `POST /v1/sessions/{id}/actions`: a clinician's or the bedside's action on a session.
    ///
    /// A repeat with the same `eventId` returns the original result (status 200).
    public func act(sessionId: UUID, _ request: ActionRequest) async throws -> EventResponse {
        try await post(
            "/v1/sessions/\(sessionId.uuidString.lowercased())/actions", request, as: EventResponse.self,
            expecting: [200, 201])
    }

    /// `GET /v1/sessions/{id}/events`: the session's clinical event log and the decisions stored with it.
    public func events(sessionId: UUID) async throws -> EventList {
        try await get("/v1/sessions/\(sessionId.uuidString.lowercased())/events", as: EventList.self)
    }

    /// `GET /v1/alerts`: alerts in a state (`active`, `acknowledged` or `resolved`), optionally for one session.
    public func alerts(state: String? = nil, session: UUID? = nil) async throws -> [Alert] {
        let path = Self.path("/v1/alerts", query: [("state", state), ("session", session?.uuidString.lowercased())])
        return try await get(path, as: AlertList.self).alerts
    }

    /// `POST /v1/alerts/{id}/ack`: acknowledges an alert and returns it as it is now.
    public func acknowledge(alertId: Int64, _ request: AcknowledgeRequest) async throws -> Alert {
        try await post("/v1/alerts/\(alertId)/ack", request, as: Alert.self, expecting: [200])
    }

    /// `GET /v1/audit`: a page of audit records after `after` (from the start when nil), at most `limit` long.
    public func audit(after: Int64? = nil, limit: Int? = nil) async throws -> AuditPage {
        let path = Self.path("/v1/audit", query: [("after", after.map(String.init)), ("limit", limit.map(String.init))])
        return try await get(path, as: AuditPage.self)
    }

    /// `GET /v1/audit/verify`: has the daemon walk its audit chain and report the first record that fails.
    public func verifyAudit() async throws -> AuditVerification {
        try await get("/v1/audit/verify", as: AuditVerification.self)
    }

    /// The last `count` audit records, oldest first.
    ///
    /// Starts a little before the end the daemon reports in its health and pages forward from there, so records
    /// appended meanwhile are included.
    public func auditTail(count: Int, pageSize: Int = 500) async throws -> [AuditEntry] {
        guard count > 0 else { return [] }
        let recordCount = try await health().auditRecords
        var after: Int64? = recordCount > Int64(count) ? recordCount - Int64(count) : nil
        var tail: [AuditEntry] = []
        while true {
            let page = try await audit(after: after, limit: pageSize)
            tail.append(contentsOf: page.records)
            if tail.count > count { tail.removeFirst(tail.count - count) }
            guard let next = page.nextAfter, !page.records.isEmpty, next > (after ?? 0) else { break }
            after = next
        }
        return tail
    }

    // MARK: Plumbing

    private func get<Body: Decodable>(_ path: String, as type: Body.Type) async throws -> Body {
        try await send(method: "GET", path: path).decoded(as: type, expecting: [200])
    }

    private func post<Body: Decodable>(
        _ path: String, _ request: some Encodable, as type: Body.Type, expecting statuses: Set<Int>
    ) async throws -> Body {
        let body = try WireJSON.encode(request)
        return try await send(method: "POST", path: path, body: body).decoded(as: type, expecting: statuses)
    }

    /// A request target with the given query items, leaving out the ones whose value is nil.
    static func path(_ base: String, query: [(String, String?)]) -> String {
        let items = query.compactMap { name, value in value.map { "\(name)=\(percentEncoded($0))" } }
        return items.isEmpty ? base : base + "?" + items.joined(separator: "&")
    }

    private static func percentEncoded(_ value: String) -> String {
        let allowed = CharacterSet(
            charactersIn: "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-._~")
        return value.addingPercentEncoding(withAllowedCharacters: allowed) ?? value
    }
}
