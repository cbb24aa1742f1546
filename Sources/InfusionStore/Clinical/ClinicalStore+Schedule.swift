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
            SELECT sequence, kind, recorded_at, occurred_at, body, stopped
            FROM events WHERE session_id = ? AND sequence > ? ORDER BY sequence
            """), arguments: [sessionId.uuidString, after])
        var last: Int64?
        while let row = try rows.next() {
            let payload = ClinicalEventKind(rawValue: row["kind"])
                .flatMap { try? HistoryDocuments.payload(kind: $0, body: row["body"]) } ?? .unread
            history.apply(payload, recordedAt: try Rows.requiredDate(row, "recorded_at"),
                          occurredAt: try Rows.requiredDate(row, "occurred_at"), stopped: try row.flag(EventRecord.Columns.stopped))
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
}
