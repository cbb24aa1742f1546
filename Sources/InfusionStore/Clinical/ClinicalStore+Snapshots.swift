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
        var state = SessionState.running
        for row in rows {
            let kind = try Rows.value(ClinicalEventKind.self, row, "kind")
            if let text: String = row["state_after"], let after = SessionState(rawValue: text) { state = after }
            let payload: SessionHistory.Entry.Payload
            do {
                payload = try HistoryDocuments.payload(kind: kind, body: row["body"])
            } catch where kind == .system {
                continue  // a system event this version cannot read says nothing the rules use
            }
            let entry = SessionHistory.Entry(
                sequence: row["sequence"], recordedAt: try Rows.requiredDate(row, "recorded_at"),
                occurredAt: try Rows.requiredDate(row, "occurred_at"), stateAfter: state, payload: payload)
            if row["rule_entry"] { ruleEntries.append(entry) } else { recent.append(entry) }
        }
        var schedule = ScheduleHistory(sessionId: session.id, drug: session.drug, startedAt: session.startedAt)
        _ = try foldSchedule(db, sessionId: session.id, into: &schedule, after: 0)
        let alerts = try unresolvedAlerts(db, sessionId: id)
        var tracked: [SessionSnapshot.TrackedAlert] = []
        if !alerts.isEmpty {
            let events = try Row.fetchAll(
                db, sql: "SELECT * FROM alert_events WHERE alert_id IN (\(alerts.map { _ in "?" }.joined(separator: ","))) ORDER BY id",
                arguments: StatementArguments(alerts.map(\.id))).map(Self.alertEvent)
            let byAlert = Dictionary(grouping: events, by: \.alert.id)
            tracked = alerts.map { SessionSnapshot.TrackedAlert(alert: $0, events: byAlert[$0.id] ?? []) }
        }
        return SessionSnapshot(session: session, lastSequence: lastSequence, ruleEntries: ruleEntries, recentObservations: recent,
                               recentObservationsSince: since, schedule: schedule, alerts: tracked)
    }

    /// The snapshot query: ?1 the session, ?2 the bedside time from which plain observations are read too.
    /// `rule_entry` marks the events every rule evaluation reads (see ``SessionSnapshot/ruleEntries``).
    static let snapshotSQL = """
        SELECT e.sequence, e.kind, e.recorded_at, e.occurred_at, e.body,
               CASE WHEN e.kind != 'observation' OR stopping.id IS NOT NULL THEN json_extract(e.response, '$.session.state') END AS state_after,
               (e.kind != 'observation' OR IFNULL(json_array_length(e.body, '$.symptoms'), 0) > 0 OR stopping.id IS NOT NULL) AS rule_entry
        FROM events e
        LEFT JOIN (SELECT DISTINCT d.event_id AS id FROM decisions d WHERE d.session_id = ?1 AND d.action IN ('pause', 'stop')) stopping
            ON stopping.id = e.id
        WHERE e.session_id = ?1
          AND (e.kind != 'observation' OR json_array_length(e.body, '$.symptoms') > 0 OR stopping.id IS NOT NULL OR e.occurred_at >= ?2)
        ORDER BY e.sequence
        """
}

/// A stored row that this version cannot read: the record is damaged or was written by something else. Never
/// the client's fault; the server answers 500 and logs it.
public struct StoredRecordUnreadable: Error, Sendable, CustomStringConvertible {
    public var what: String
    public init(what: String) { self.what = what }
    public var description: String { "stored record unreadable: \(what)" }
}
