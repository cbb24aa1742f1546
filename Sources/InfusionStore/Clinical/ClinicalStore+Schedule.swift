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
    /// The check is repeated inside the transaction, so an observation that arrived meanwhile is taken into account.
    public func recordScheduleCheck(sessionId: UUID, ruleSet: RuleSet, now: Date) async throws -> EventResponse? {
        try await committer.write { db in
            let session = try Self.loadSession(db, id: sessionId)
            guard session.state.isOpen, let profile = ruleSet.profiles[session.drug] else { return nil }
            let spec = profile.resolvedSchedule
            let history = try self.scheduleHistory(db, session: session)
            let decisions = ScheduleRules.timerDecisions(session: session, history: history, spec: spec, now: now)
            guard !decisions.isEmpty else { return nil }
            let next = SessionMachine.apply(decisions, to: session)
            let changes = AlertPolicy.changes(for: decisions, unresolved: try self.unresolvedAlerts(db, sessionId: session.id))
            guard !changes.isEmpty || next.state != session.state else { return nil }

            let silent = ScheduleRules.silentFeeds(history: history, spec: spec, now: now)
            let body = ScheduleCheck(status: ObservationSchedule.status(history: history, spec: spec, now: now), silentFeeds: silent)
            let event = try self.nextEvent(db, id: UUID(), session: session, kind: .timer, occurredAt: now,
                                           recordedBy: AuditActor.daemon.person ?? "infusiond", body: body, now: now)
            try AuditLog.append(db, action: "schedule.check", actor: .daemon, entity: Self.entity(session), detail: [
                "eventId": .string(event.id.uuidString), "sequence": .number(Double(event.sequence)),
                "nextDueAt": body.status.nextDueAt.map { .string(WireJSON.formatTimestamp($0)) } ?? .null,
                "decisions": .array(decisions.map { .string("\($0.ruleId):\($0.action.rawValue):\($0.priority.rawValue)") }),
            ], at: now)
            let alerts = try self.record(decisions, event: event, session: next, ruleSetHash: ruleSet.hash, actor: .daemon, db: db, now: now)
            try self.save(next, previous: session, actor: .daemon, db: db, now: now)
            let response = EventResponse(event: event, decisions: decisions, session: next, alerts: alerts)
            try self.insert(event, response: response, db: db)
            return response
        }
    }

    /// Resolves the session's alerts whose condition this observation shows to be clear (CLINICAL §7): rules it
    /// proves false, an overdue observation now made (L20), station feeds heard from again (L21). Latched alerts stay.
    func resolveClearedAlerts(
        _ db: Database, session: Session, observation: ObservationRequest, decisions: [Decision], ruleSet: RuleSet,
        actor: AuditActor, now: Date
    ) throws -> [Alert] {
        let unresolved = try unresolvedAlerts(db, sessionId: session.id).filter { !$0.latched }
        guard !unresolved.isEmpty, let profile = ruleSet.profiles[session.drug] else { return [] }
        var cleared = RuleEngine.clearedRuleIds(
            profile.rules, context: RuleContext(session: session, at: now, observation: observation), decisions: decisions)
        let scheduleRules: Set<String> = [ScheduleRules.overdueRuleId, ScheduleRules.staleFeedRuleId]
        if unresolved.contains(where: { scheduleRules.contains($0.ruleId) }) {
            var history = try scheduleHistory(db, session: session)
            history.record(observation)
            let spec = profile.resolvedSchedule
            if ScheduleRules.overdue(history: history, spec: spec, now: now) == nil { cleared.insert(ScheduleRules.overdueRuleId) }
            if ScheduleRules.staleFeeds(history: history, spec: spec, now: now) == nil { cleared.insert(ScheduleRules.staleFeedRuleId) }
        }
        return try AlertPolicy.resolutions(unresolved: unresolved, cleared: cleared, fired: Set(decisions.map(\.ruleId))).map { alert in
            try db.execute(sql: "UPDATE alerts SET state = 'resolved', resolved_at = ?, updated_at = ? WHERE id = ?",
                           arguments: [Rows.time(now), Rows.time(now), alert.id])
            let resolved = try loadAlert(db, id: alert.id)
            try auditAlert("alert.resolve", resolved, session: session, actor: actor, db: db, now: now)
            return resolved
        }
    }

    /// The schedule's decisions on an action: L22 for a `close` before the post-infusion window ends (refused
    /// unless overridden).
    func scheduleDecisions(_ db: Database, session: Session, request: ActionRequest, ruleSet: RuleSet, now: Date) throws -> [Decision] {
        guard request.action == .close, let profile = ruleSet.profiles[session.drug] else { return [] }
        let history = try scheduleHistory(db, session: session)
        return try ScheduleRules.closeCheck(request, history: history, spec: profile.resolvedSchedule, now: now)
    }
}
