import Foundation
import GRDB
import InfusionCore

extension ClinicalStore {
    /// Every open session's committed snapshot, loading them from the record the first time.
    public func openSnapshots() async throws -> [SessionSnapshot] {
        if !snapshots.allOpenLoaded {
            let loaded = try await writer.read { db in
                try String.fetchAll(db, sql: "SELECT id FROM sessions WHERE \(OpenStateFilters.sessions) ORDER BY started_at")
                    .map { id in try self.loadSnapshot(db, id: try Self.sessionId(id)) }
            }
            snapshots.adoptLoaded(loaded)
        }
        return snapshots.committed.sorted { ($0.session.startedAt, $0.session.id.uuidString) < ($1.session.startedAt, $1.session.id.uuidString) }
    }

    /// A session's snapshot as a write job sees it, read from the record when the writer does not hold it yet.
    func snapshot(_ db: Database, id: UUID, staging: inout SnapshotCache.Staging) throws -> SessionSnapshot {
        if let held = snapshots.snapshot(id, staging: staging) { return held }
        let loaded = try loadSnapshot(db, id: id)
        staging.changed[id] = loaded
        return loaded
    }

    /// A session id as stored; a row that does not hold one is a damaged record, not a client's mistake.
    static func sessionId(_ text: String) throws -> UUID {
        guard let id = UUID(uuidString: text) else { throw StoredRecordUnreadable(what: "session id \(text)") }
        return id
    }

    /// Reads a session's snapshot from the record: the session, the rule entries and the recent plain
    /// observations of its history, its schedule history and its unresolved alerts with their events.
    /// With `observedSince`, plain observations are read from that bedside time on at least.
    func loadSnapshot(_ db: Database, id: UUID, observedSince: Date? = nil) throws -> SessionSnapshot {
        let session = try Self.loadSession(db, id: id)
        let lastSequence = try Int64.fetchOne(db, sql: "SELECT MAX(sequence) FROM events WHERE session_id = ?",
                                              arguments: [id.uuidString]) ?? 0
        let latestObservation = try String.fetchOne(
            db, sql: "SELECT MAX(occurred_at) FROM events WHERE session_id = ? AND kind = 'observation'",
            arguments: [id.uuidString]).flatMap(Rows.date)
        let recentFloor = latestObservation.map { $0.addingTimeInterval(-SessionSnapshot.recentObservationSpan) } ?? .distantPast
        let since = min(recentFloor, observedSince ?? recentFloor)
        var ruleEntries: [SessionHistory.Entry] = []
        var recent: [SessionHistory.Entry] = []
        let rows = try Row.fetchAll(db, sql: Self.snapshotSQL, arguments: [id.uuidString, Rows.time(since)])
        for row in rows {
            let kind = try row.raw(ClinicalEventKind.self, EventRecord.Columns.kind)
            let payload: SessionHistory.Entry.Payload
            do {
                payload = try HistoryDocuments.payload(kind: kind, body: row[EventRecord.Columns.body.name])
            } catch where kind == .system {
                continue  // a system event this version cannot read says nothing the rules use
            }
            let entry = SessionHistory.Entry(
                sequence: try row.integer(EventRecord.Columns.sequence), recordedAt: try row.time(EventRecord.Columns.recordedAt),
                occurredAt: try row.time(EventRecord.Columns.occurredAt),
                stateAfter: try row.raw(SessionState.self, EventRecord.Columns.stateAfter), payload: payload)
            if try row.flag(EventRecord.Columns.ruleEntry) { ruleEntries.append(entry) } else { recent.append(entry) }
        }
        var schedule = ScheduleHistory(sessionId: session.id, drug: session.drug, startedAt: session.startedAt)
        _ = try foldSchedule(db, sessionId: session.id, into: &schedule, after: 0)
        let alerts = try unresolvedAlerts(db, sessionId: id)
        let byAlert = try Self.alertEvents(db, of: alerts.map(\.id))
        let tracked = alerts.map { SessionSnapshot.TrackedAlert(alert: $0, events: byAlert[$0.id] ?? []) }
        return SessionSnapshot(session: session, lastSequence: lastSequence, ruleEntries: ruleEntries, recentObservations: recent,
                               recentObservationsSince: since, schedule: schedule, alerts: tracked)
    }

    /// The snapshot query: ?1 the session, ?2 the bedside time from which plain observations are read too. The
    /// history columns say which events every rule evaluation reads and the state each left; both parts of the
    /// union are answered from an index (0006_event_history_columns, 0004's `events_by_occurrence`).
    static let snapshotSQL = """
        SELECT sequence, kind, recorded_at, occurred_at, body, state_after, rule_entry
        FROM events
        WHERE session_id = ?1 AND sequence IN (
            SELECT sequence FROM events WHERE session_id = ?1 AND rule_entry = 1
            UNION
            SELECT sequence FROM events WHERE session_id = ?1 AND occurred_at >= ?2)
        ORDER BY sequence
        """
}

/// A stored row that this version cannot read: the record is damaged or was written by something else. Never
/// the client's fault; the server answers 500 and logs it.
public struct StoredRecordUnreadable: Error, Sendable, CustomStringConvertible {
    public var what: String
    public init(what: String) { self.what = what }
    public var description: String { "stored record unreadable: \(what)" }
}
