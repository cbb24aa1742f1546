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

    public init(database: ClinicalDatabase, maxBatchSize: Int = 256, notifiedHooks: Set<HookName> = [],
                onCommit: @escaping @Sendable (_ batchSize: Int, _ duration: Duration) -> Void = { _, _ in }) {
        self.database = database
        self.notifiedHooks = notifiedHooks
        self.committer = GroupCommitWriter(writer: database.writer, maxBatchSize: maxBatchSize, onCommit: onCommit)
    }

    var writer: any DatabaseWriter { database.writer }

    // MARK: Sessions

    /// Starts a session: checks the start request against the profile and records the start.
    public func startSession(_ request: StartSessionRequest, ruleSet: RuleSet, actor: AuditActor, now: Date) async throws -> Session {
        let profile = try ruleSet.profile(for: request.drug)
        let (session, decisions) = try SessionFactory.start(request, profile: profile, ruleSetHash: ruleSet.hash, id: UUID(), now: now)
        return try await committer.write { db in
            try db.execute(
                sql: "INSERT INTO sessions (id, patient_id, drug, state, started_at, updated_at, rule_set_hash, document) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                arguments: [session.id.uuidString, session.patientId, session.drug.rawValue, session.state.rawValue,
                            Rows.time(now), Rows.time(now), ruleSet.hash, try Rows.json(session)])
            let entity = AuditEntity(type: "session", id: session.id.uuidString, patientId: session.patientId)
            try AuditLog.append(db, action: "session.start", actor: actor, entity: entity, detail: [
                "drug": .string(session.drug.rawValue), "dosingWeight": .string(session.dosingWeight.rawValue),
                "dosingWeightKg": .number(session.dosingWeightKg), "ruleSetHash": .string(ruleSet.hash),
                "override": session.override.map { ["by": .string($0.by), "reason": .string($0.reason)] } ?? .null,
                "flags": try session.flags.map { try WireJSON.decoder().decode(JSONValue.self, from: WireJSON.encode($0)) } ?? .null,
                "contraindicationOverride": request.contraindicationOverride.map {
                    ["by": .string($0.by), "reason": .string($0.reason)]
                } ?? .null,
            ], at: now)
            let event = try self.nextEvent(db, id: UUID(), session: session, kind: .start, occurredAt: now,
                                           recordedBy: request.recordedBy, body: request, now: now)
            let alerts = try self.record(decisions, event: event, session: session, ruleSetHash: ruleSet.hash, actor: actor, db: db, now: now)
            try self.insert(event, response: EventResponse(event: event, decisions: decisions, session: session, alerts: alerts), db: db)
            return session
        }
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
            throw Problem(status: 404, code: "session.notFound", title: "No such session",
                          detail: "There is no session \(id.uuidString); list sessions with GET /v1/sessions?state=all.")
        }
        return try Rows.session(row)
    }

    func save(_ session: Session, previous: Session, actor: AuditActor, db: Database, now: Date) throws {
        try db.cachedStatement(sql: "UPDATE sessions SET state = ?, updated_at = ?, document = ? WHERE id = ?").execute(
            arguments: [session.state.rawValue, Rows.time(now), try Rows.json(session), session.id.uuidString])
        if session.state != previous.state {
            let record = try AuditLog.append(db, action: "session.state", actor: actor, entity: Self.entity(session), detail: [
                "from": .string(previous.state.rawValue), "to": .string(session.state.rawValue),
            ], at: now)
            try enqueueStopNotice(db, stateRecord: record, session: session, previous: previous, actor: actor, now: now)
        }
    }

    static func entity(_ session: Session) -> AuditEntity {
        AuditEntity(type: "session", id: session.id.uuidString, patientId: session.patientId)
    }

    // MARK: Events

    func nextEvent(
        _ db: Database, id: UUID, session: Session, kind: ClinicalEventKind, occurredAt: Date, recordedBy: String,
        body: some Encodable, now: Date
    ) throws -> ClinicalEvent {
        let sequence = (try Int64.fetchOne(try db.cachedStatement(sql: "SELECT MAX(sequence) FROM events WHERE session_id = ?"),
                                           arguments: [session.id.uuidString]) ?? 0) + 1
        let bodyJSON = try WireJSON.decoder().decode(JSONValue.self, from: try WireJSON.encode(body))
        return ClinicalEvent(id: id, sessionId: session.id, sequence: sequence, kind: kind, recordedAt: now,
                             occurredAt: occurredAt, recordedBy: recordedBy, body: bodyJSON)
    }

    /// Stores the event with its answer and returns the answer's JSON text (kept for idempotent retries).
    @discardableResult
    func insert(_ event: ClinicalEvent, response: EventResponse, db: Database) throws -> String {
        let responseJSON = try Rows.json(response)
        try db.cachedStatement(
            sql: "INSERT INTO events (id, session_id, sequence, kind, recorded_at, occurred_at, recorded_by, body, response) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)"
        ).execute(
            arguments: [event.id.uuidString, event.sessionId.uuidString, event.sequence, event.kind.rawValue,
                        Rows.time(event.recordedAt), Rows.time(event.occurredAt), event.recordedBy,
                        try Rows.json(event.body), responseJSON])
        return responseJSON
    }

    /// The stored answer for an event id when the retry's body is identical; `409` when it differs.
    func replay(_ db: Database, eventId: UUID, sessionId: UUID, body: some Encodable) throws -> StoredAnswer? {
        guard let row = try Row.fetchOne(try db.cachedStatement(sql: "SELECT session_id, body, response FROM events WHERE id = ?"),
                                         arguments: [eventId.uuidString]) else { return nil }
        let canonical = try Rows.json(try WireJSON.decoder().decode(JSONValue.self, from: try WireJSON.encode(body)))
        guard row["session_id"] == sessionId.uuidString, row["body"] == canonical else {
            throw Problem(status: 409, code: "event.conflict", title: "Event id already used",
                          detail: "Event \(eventId.uuidString) was already recorded with a different body; a retry must repeat the original exactly, and a new observation needs a new eventId.",
                          field: "eventId")
        }
        let json: String = row["response"]
        return StoredAnswer(response: try Rows.decode(EventResponse.self, json), replayed: true, json: json)
    }
}

/// An event's answer as the store keeps it: the response, whether it is the stored answer to a retry, and its JSON
/// text exactly as stored for retries (what the route sends, so the answer is not encoded twice).
public struct StoredAnswer: Sendable {
    public var response: EventResponse
    public var replayed: Bool
    public var json: String
}
