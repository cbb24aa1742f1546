import Foundation
import GRDB
import InfusionCore

/// The clinical record: each accepted request is one transaction holding its event, decisions, alert changes and
/// audit records; every method returns only after that transaction has committed.
public final class ClinicalStore: Sendable {
    /// The SQLite engine's database file: only the SQLite-specific parts of the daemon use it (the integrity check,
    /// restore, the replication hand-over at stop); everything else goes through the record protocols.
    public let database: ClinicalDatabase
    /// Every write goes through group commit: one transaction (and one fsync) for requests that arrive together.
    let committer: GroupCommitWriter
    /// The hooks that are configured: only their notices are queued in the hook outbox, so a daemon without hooks
    /// keeps no queue at all.
    let notifiedHooks: Set<HookName>
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

    /// Sessions by state: `open` (default), `closed` or `all`, newest first.
    public func sessions(state: String) async throws -> [Session] {
        try await writer.read { db in
            let all = SessionRecord.order(SessionRecord.Columns.startedAt.desc)
            let chosen = switch state {
            case "closed": all.filter(SessionRecord.Columns.state == SessionState.closed.rawValue)
            case "all": all
            default: all.filter(sql: OpenStateFilters.sessions)
            }
            return try chosen.fetchAll(db).map { try $0.session() }
        }
    }

    /// One session with its open alerts, last observation and recent decisions; with a rule set and a time, also
    /// the dose delivered so far and the predicted plasma level, computed from its events.
    public func sessionDetail(id: UUID, ruleSet: RuleSet? = nil, now: Date? = nil) async throws -> SessionDetail {
        try await writer.read { db in
            let session = try Self.loadSession(db, id: id)
            let alerts = try self.unresolvedAlerts(db, sessionId: id)
            let last = try EventRecord
                .filter(EventRecord.Columns.sessionId == id.uuidString && EventRecord.Columns.kind == ClinicalEventKind.observation.rawValue)
                .order(EventRecord.Columns.sequence.desc).fetchOne(db)?.event()
            let decisions = try DecisionRecord.filter(DecisionRecord.Columns.sessionId == id.uuidString)
                .order(DecisionRecord.Columns.id.desc).limit(20).fetchAll(db).map { try $0.storedDecision() }
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
            let events = try EventRecord.filter(EventRecord.Columns.sessionId == sessionId.uuidString)
                .order(EventRecord.Columns.sequence).fetchAll(db).map { try $0.event() }
            let decisions = try DecisionRecord.filter(DecisionRecord.Columns.sessionId == sessionId.uuidString)
                .order(DecisionRecord.Columns.id).fetchAll(db).map { try $0.storedDecision() }
            return EventList(events: events, decisions: decisions)
        }
    }

    static func loadSession(_ db: Database, id: UUID) throws -> Session {
        guard let record = try SessionRecord.fetchOne(db, key: id.uuidString) else {
            throw DomainError(.notFound, code: "session.notFound", title: "No such session",
                              detail: "There is no session \(id.uuidString); list sessions with GET /v1/sessions?state=all.")
        }
        return try record.session()
    }

    static func entity(_ session: Session) -> AuditEntity {
        AuditEntity(type: "session", id: session.id.uuidString, patientId: session.patientId)
    }

    // MARK: Events

    /// Stores the event with its answer and its history columns, and returns the answer's JSON text (kept for
    /// idempotent retries). The body and the session arrive encoded, so nothing is encoded twice: the answer is
    /// assembled from them.
    @discardableResult
    func insert(_ event: ClinicalEvent, body: EncodedBody, sessionJSON: String, decisions: [Decision], alerts: [Alert],
                stateAfter: SessionState, ruleEntry: Bool, db: Database) throws -> String {
        let responseJSON = try Self.responseJSON(event: event, bodyJSON: body.json, decisions: decisions, sessionJSON: sessionJSON,
                                                 alerts: alerts)
        try EventRecord(id: event.id, sessionId: event.sessionId, sequence: event.sequence, kind: event.kind, recordedAt: event.recordedAt,
                        occurredAt: event.occurredAt, recordedBy: event.recordedBy, body: body.json, response: responseJSON,
                        stateAfter: stateAfter, ruleEntry: ruleEntry, stopped: decisions.contains { $0.action == .stop }).insert(db)
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

    /// Encodes `body` with the wire encoder, and builds its JSON value from the typed body rather than by reading
    /// the text back (a request is decoded once, when it arrives).
    public init(_ body: some Encodable) throws {
        json = String(decoding: try WireJSON.encode(body), as: UTF8.self)
        value = try JSONValue(encoding: body)
    }
}

/// An event's answer as the store keeps it: the response, whether it is the stored answer to a retry, and its JSON
/// text exactly as stored for retries (what the route sends, so the answer is not encoded twice).
public struct StoredAnswer: Sendable {
    public var response: EventResponse
    public var replayed: Bool
    public var json: String
}
