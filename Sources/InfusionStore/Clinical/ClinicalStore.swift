import Foundation
import GRDB
import InfusionCore

/// The clinical record: each accepted request is one transaction holding its event, decisions, alert changes and
/// audit records; every method returns only after that transaction has committed.
public final class ClinicalStore: Sendable {
    public let database: ClinicalDatabase
    /// Every write goes through group commit: one transaction (and one fsync) for requests that arrive together.
    public let committer: GroupCommitWriter
    /// The hooks that are configured: only their notices are queued in the hook outbox, so a daemon without hooks
    /// keeps no queue at all.
    public let notifiedHooks: Set<HookName>
    /// The open sessions' snapshots, owned by the writer.
    let snapshots: SnapshotCache

    public init(database: ClinicalDatabase, maxBatchSize: Int = 256, notifiedHooks: Set<HookName> = [],
                onCommit: @escaping @Sendable (_ batchSize: Int, _ duration: Duration) -> Void = { _, _ in }) {
        self.database = database
        self.notifiedHooks = notifiedHooks
        let snapshots = SnapshotCache()
        self.snapshots = snapshots
        self.committer = GroupCommitWriter(writer: database.writer, maxBatchSize: maxBatchSize, onCommit: onCommit,
                                           onJobEnd: { db, succeeded in snapshots.jobEnded(db: db, succeeded: succeeded) })
    }

    var writer: any DatabaseWriter { database.writer }

    // MARK: Sessions

    /// Starts a session: checks the start request against the profile and records the start.
    public func startSession(_ request: StartSessionRequest, ruleSet: RuleSet, actor: AuditActor, now: Date) async throws -> Session {
        let id = UUID()
        let recorded = try await commit(.start(request, sessionId: id, eventId: UUID()), sessionId: id, ruleSet: ruleSet, actor: actor,
                                        now: now, body: try EncodedBody(request))
        guard let session = recorded?.response?.session else { throw StoredRecordUnreadable(what: "the start of session \(id) recorded no event") }
        return session
    }

    /// Sessions by state: `open` (default), `closed` or `all`, newest first.
    public func sessions(state: String) async throws -> [Session] {
        try await writer.read { db in
            let filter = switch state {
            case "closed": "WHERE state = 'closed'"
            case "all": ""
            default: "WHERE \(OpenStateFilters.sessions)"
            }
            return try Row.fetchAll(db, sql: "SELECT document FROM sessions \(filter) ORDER BY started_at DESC").map(Rows.session)
        }
    }

    /// One session with its open alerts, last observation and recent decisions; with a rule set and a time, also
    /// the dose delivered so far and the predicted plasma level, computed from its events.
    public func sessionDetail(id: UUID, ruleSet: RuleSet? = nil, now: Date? = nil) async throws -> SessionDetail {
        try await writer.read { db in
            let session = try Self.loadSession(db, id: id)
            let alerts = try Row.fetchAll(
                db, sql: "SELECT * FROM alerts WHERE session_id = ? AND state != 'resolved' ORDER BY id",
                arguments: [id.uuidString]).map(Rows.alert)
            let last = try Row.fetchOne(
                db, sql: "SELECT * FROM events WHERE session_id = ? AND kind = 'observation' ORDER BY sequence DESC LIMIT 1",
                arguments: [id.uuidString]).map(Rows.event)
            let decisions = try Row.fetchAll(
                db, sql: "SELECT * FROM decisions WHERE session_id = ? ORDER BY id DESC LIMIT 20",
                arguments: [id.uuidString]).map(Rows.storedDecision)
            var detail = SessionDetail(session: session, openAlerts: alerts, lastObservation: last, recentDecisions: decisions)
            if let ruleSet, let now {
                (detail.delivered, detail.prediction) = try self.doseAndPrediction(db, session: session, ruleSet: ruleSet, now: now)
                let spec = ruleSet.profiles[session.drug]?.resolvedSchedule ?? .standard(for: session.drug)
                detail.schedule = ObservationSchedule.status(history: try self.scheduleHistory(db, session: session), spec: spec, now: now)
            }
            return detail
        }
    }

    /// A session's event log and every decision, oldest first.
    public func events(sessionId: UUID) async throws -> EventList {
        try await writer.read { db in
            _ = try Self.loadSession(db, id: sessionId)
            let events = try Row.fetchAll(db, sql: "SELECT * FROM events WHERE session_id = ? ORDER BY sequence",
                                          arguments: [sessionId.uuidString]).map(Rows.event)
            let decisions = try Row.fetchAll(db, sql: "SELECT * FROM decisions WHERE session_id = ? ORDER BY id",
                                             arguments: [sessionId.uuidString]).map(Rows.storedDecision)
            return EventList(events: events, decisions: decisions)
        }
    }

    static func loadSession(_ db: Database, id: UUID) throws -> Session {
        guard let row = try Row.fetchOne(try db.cachedStatement(sql: "SELECT document FROM sessions WHERE id = ?"), arguments: [id.uuidString]) else {
            throw DomainError(.notFound, code: "session.notFound", title: "No such session",
                              detail: "There is no session \(id.uuidString); list sessions with GET /v1/sessions?state=all.")
        }
        return try Rows.session(row)
    }

    static func entity(_ session: Session) -> AuditEntity {
        AuditEntity(type: "session", id: session.id.uuidString, patientId: session.patientId)
    }

    // MARK: Events

    /// Stores the event with its answer and returns the answer's JSON text (kept for idempotent retries). The
    /// body and the session arrive encoded, so nothing is encoded twice: the answer is assembled from them.
    @discardableResult
    func insert(_ event: ClinicalEvent, body: EncodedBody, sessionJSON: String, decisions: [Decision], alerts: [Alert],
                db: Database) throws -> String {
        let responseJSON = try Self.responseJSON(event: event, bodyJSON: body.json, decisions: decisions, sessionJSON: sessionJSON,
                                                 alerts: alerts)
        try db.cachedStatement(
            sql: "INSERT INTO events (id, session_id, sequence, kind, recorded_at, occurred_at, recorded_by, body, response) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)"
        ).execute(
            arguments: [event.id.uuidString, event.sessionId.uuidString, event.sequence, event.kind.rawValue,
                        Rows.time(event.recordedAt), Rows.time(event.occurredAt), event.recordedBy, body.json, responseJSON])
        return responseJSON
    }

    /// The JSON of an ``EventResponse``, byte for byte what the wire encoder makes of it (keys sorted: alerts,
    /// decisions, event, session; the event's body first), from parts already encoded.
    static func responseJSON(event: ClinicalEvent, bodyJSON: String, decisions: [Decision], sessionJSON: String,
                             alerts: [Alert]) throws -> String {
        var shell = event
        shell.body = .null
        let shellJSON = try Rows.json(shell)
        let bodyless = #"{"body":null"#
        guard shellJSON.hasPrefix(bodyless) else { return try Rows.json(EventResponse(event: event, decisions: decisions, session: try Rows.decode(Session.self, sessionJSON), alerts: alerts)) }
        let eventJSON = #"{"body":"# + bodyJSON + shellJSON.dropFirst(bodyless.count)
        let alertsJSON = alerts.isEmpty ? "[]" : try Rows.json(alerts)
        let decisionsJSON = decisions.isEmpty ? "[]" : try Rows.json(decisions)
        return #"{"alerts":"# + alertsJSON + #","decisions":"# + decisionsJSON + #","event":"# + eventJSON + #","session":"# + sessionJSON + "}"
    }

    /// The stored answer for an event id when the retry's body is identical; `409` when it differs.
    func replay(_ db: Database, eventId: UUID, sessionId: UUID, body: EncodedBody) throws -> StoredAnswer? {
        guard let row = try Row.fetchOne(try db.cachedStatement(sql: "SELECT session_id, body, response FROM events WHERE id = ?"),
                                         arguments: [eventId.uuidString]) else { return nil }
        let stored: String = row["body"]
        // Bodies stored before they were written straight from the request went through a JSON value first.
        let same = try stored == body.json || stored == Rows.json(body.value)
        guard row["session_id"] == sessionId.uuidString, same else {
            throw DomainError(.conflict, code: "event.conflict", title: "Event id already used",
                              detail: "Event \(eventId.uuidString) was already recorded with a different body; a retry must repeat the original exactly, and a new observation needs a new eventId.",
                              field: "eventId")
        }
        let json: String = row["response"]
        return StoredAnswer(response: try Rows.decode(EventResponse.self, json), replayed: true, json: json)
    }
}

/// A request body encoded once, as stored (canonical JSON, keys sorted) and as the JSON value answers carry.
public struct EncodedBody: Sendable {
    public var json: String
    public var value: JSONValue

    /// Encodes `body` with the wire encoder.
    public init(_ body: some Encodable) throws {
        let data = try WireJSON.encode(body)
        json = String(decoding: data, as: UTF8.self)
        value = try WireJSON.decoder().decode(JSONValue.self, from: data)
    }
}

/// An event's answer as the store keeps it: the response, whether it is the stored answer to a retry, and its JSON
/// text exactly as stored for retries (what the route sends, so the answer is not encoded twice).
public struct StoredAnswer: Sendable {
    public var response: EventResponse
    public var replayed: Bool
    public var json: String
}
