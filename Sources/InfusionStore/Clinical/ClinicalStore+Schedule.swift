import Foundation
import GRDB
import InfusionCore

extension ClinicalStore {
    /// The schedule history folded from the session's stored events.
    func scheduleHistory(_ db: Database, session: Session) throws -> ScheduleHistory {
        var history = ScheduleHistory(sessionId: session.id, drug: session.drug, startedAt: session.startedAt)
        _ = try foldSchedule(db, sessionId: session.id, into: &history, after: 0)
        return history
    }

    /// Folds the session's events after sequence `after` into `history`, oldest first, and returns the sequence of
    /// the last one (nil when there was none). Reads only what the schedule uses: each body decoded once, through
    /// the same memos as the rules' history, and whether a rule's decision on the event stopped the session. A body
    /// that does not decode counts as unread, as in ``ScheduleHistory/apply(_:decisions:)``.
    func foldSchedule(_ db: Database, sessionId: UUID, into history: inout ScheduleHistory, after: Int64) throws -> Int64? {
        let rows = try Row.fetchCursor(try db.cachedStatement(sql: """
            SELECT e.sequence, e.kind, e.recorded_at, e.occurred_at, e.body,
                   EXISTS (SELECT 1 FROM decisions d WHERE d.event_id = e.id AND d.action = 'stop') AS stopped
            FROM events e WHERE e.session_id = ? AND e.sequence > ? ORDER BY e.sequence
            """), arguments: [sessionId.uuidString, after])
        var last: Int64?
        while let row = try rows.next() {
            let payload = ClinicalEventKind(rawValue: row["kind"])
                .flatMap { try? HistoryDocuments.payload(kind: $0, body: row["body"]) } ?? .unread
            history.apply(payload, recordedAt: Rows.date(row["recorded_at"]) ?? .distantPast,
                          occurredAt: Rows.date(row["occurred_at"]) ?? .distantPast, stopped: row["stopped"])
            last = row["sequence"]
        }
        return last
    }

    /// Where a session stands on its observation schedule at `now`.
    public func scheduleStatus(sessionId: UUID, ruleSet: RuleSet, now: Date) async throws -> ScheduleStatus {
        try await writer.read { db in
            let session = try Self.loadSession(db, id: sessionId)
            let spec = (ruleSet.profiles[session.drug]?.resolvedSchedule) ?? .standard(for: session.drug)
            return ObservationSchedule.status(history: try self.scheduleHistory(db, session: session), spec: spec, now: now)
        }
    }

    static let openSessionsSQL = """
        SELECT s.id AS id, (SELECT MAX(sequence) FROM events e WHERE e.session_id = s.id) AS sequence
        FROM sessions s WHERE s.\(OpenStateFilters.sessions)
        """

    /// Every open session with the sequence of its latest event, so the schedule timer reloads a history only when
    /// something new was recorded.
    public func openSessionSequences() async throws -> [(id: UUID, sequence: Int64)] {
        try await writer.read { db in
            try Row.fetchAll(db, sql: Self.openSessionsSQL).compactMap { row in
                guard let id = UUID(uuidString: row["id"]) else { return nil }
                return (id, row["sequence"] ?? 0)
            }
        }
    }

    /// A session and its schedule history folded from every event after `afterSequence` onto `history` (from
    /// scratch when `history` is nil), with the sequence of the last event folded in. The schedule timer keeps the
    /// history between ticks and folds in only what is new.
    public func scheduleSnapshot(
        sessionId: UUID, extending history: ScheduleHistory? = nil, afterSequence: Int64 = 0
    ) async throws -> (session: Session, history: ScheduleHistory, sequence: Int64) {
        try await writer.read { db in
            let session = try Self.loadSession(db, id: sessionId)
            let start = history == nil ? 0 : afterSequence
            var folded = history ?? ScheduleHistory(sessionId: session.id, drug: session.drug, startedAt: session.startedAt)
            let last = try self.foldSchedule(db, sessionId: sessionId, into: &folded, after: start)
            return (session, folded, last ?? start)
        }
    }

    /// The unresolved alerts of every open session, for the schedule timer to compare its decisions with.
    public func unresolvedAlertsBySession() async throws -> [UUID: [Alert]] {
        try await writer.read { db in
            let alerts = try Row.fetchAll(db, sql: "SELECT * FROM alerts WHERE \(OpenStateFilters.alerts) ORDER BY id").map(Rows.alert)
            return Dictionary(grouping: alerts, by: \.sessionId)
        }
    }

    /// Runs the schedule rules (L20, L21) for a session at `now` inside one write transaction and, when they ask
    /// for something new (an alert not yet raised at that priority, or a pause), records a `timer` event with its
    /// decisions, alert changes and audit records. Returns nil when nothing new was needed.
    ///
    /// The check runs on the writer's snapshot, so an observation that arrived meanwhile is taken into account.
    public func recordScheduleCheck(sessionId: UUID, ruleSet: RuleSet, now: Date) async throws -> EventResponse? {
        try await commit(.scheduleTick(eventId: UUID()), sessionId: sessionId, ruleSet: ruleSet, actor: .daemon, now: now)?.response
    }
}
