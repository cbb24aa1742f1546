import Foundation
import GRDB
import InfusionCore

extension ClinicalStore {
    /// The part of a session's event log the rules can need, loaded cheaply: every start, action, timer and system
    /// event and every observation that changed the session's state (they drive delivery and pauses), observations
    /// that recorded at least one symptom (trend rules; a negative checklist adds nothing to them), and observations
    /// from `observedSince` on (artefact confirmation).
    /// Other observations are left out: no rule, dose or prediction depends on them. With `beforeSequence`, only
    /// events recorded before that one (the history an event was evaluated with, for replay).
    func sessionHistory(_ db: Database, session: Session, observedSince: Date?, beforeSequence: Int64? = nil) throws -> SessionHistory {
        let rows = try Row.fetchAll(try db.cachedStatement(sql: Self.historySQL(withWindow: observedSince != nil)),
                                    arguments: StatementArguments([session.id.uuidString, beforeSequence ?? Int64.max]
                                        + (observedSince.map { [Rows.time($0)] } ?? [])))
        var entries: [SessionHistory.Entry] = []
        for row in rows {
            let kind = try row.raw(ClinicalEventKind.self, EventRecord.Columns.kind)
            let payload: SessionHistory.Entry.Payload
            do {
                payload = try HistoryDocuments.payload(kind: kind, body: row[EventRecord.Columns.body.name])
            } catch where kind == .system {
                continue  // a system event this version cannot read says nothing the rules use
            }
            entries.append(SessionHistory.Entry(
                sequence: try row.integer(EventRecord.Columns.sequence), recordedAt: try row.time(EventRecord.Columns.recordedAt),
                occurredAt: try row.time(EventRecord.Columns.occurredAt),
                stateAfter: try row.raw(SessionState.self, EventRecord.Columns.stateAfter), payload: payload))
        }
        return SessionHistory(entries: entries)
    }

    /// The history query: ?1 the session, ?2 the sequence to stop before, ?3 (with the window) the earliest bedside
    /// time of plain observations to include. Each part of the union is answered from an index
    /// (0006_event_history_columns, 0004's `events_by_occurrence`), so no stored body is read that the rules will
    /// not use.
    static func historySQL(withWindow: Bool) -> String {
        let windowPart = withWindow ? """
            UNION
            SELECT sequence FROM events WHERE session_id = ?1 AND occurred_at >= ?3 AND +sequence < ?2
            """ : ""
        return """
            SELECT sequence, kind, recorded_at, occurred_at, body, state_after
            FROM events
            WHERE session_id = ?1 AND sequence IN (
                SELECT sequence FROM events WHERE session_id = ?1 AND rule_entry = 1 AND sequence < ?2
                \(windowPart))
            ORDER BY sequence
            """
    }

    /// A session and the history its rules read, as of now or as of just before event `beforeSequence` (for a
    /// replay, with every observation from `observedSince` on loaded).
    func ruleSnapshot(
        sessionId: UUID, beforeSequence: Int64? = nil, observedSince: Date? = nil
    ) async throws -> (session: Session, history: SessionHistory) {
        try await writer.read { db in
            let session = try Self.loadSession(db, id: sessionId)
            return (session, try self.sessionHistory(db, session: session, observedSince: observedSince, beforeSequence: beforeSequence))
        }
    }

    /// A session's delivered dose and predicted plasma level over its time, from the history its rules read.
    public func sessionSeries(id: UUID, ruleSet: RuleSet, until: Date) async throws -> SessionSeries {
        try await writer.read { db in
            let session = try Self.loadSession(db, id: id)
            let settings = ruleSet.profiles[session.drug]?.resolvedPharmacokinetics ?? .standard(for: session.drug)
            return SessionSeries.sample(session: session, history: try self.sessionHistory(db, session: session, observedSince: nil),
                                        settings: settings, until: until)
        }
    }

    /// The delivered dose and predicted plasma level of a session at `now`, computed from its events.
    func doseAndPrediction(_ db: Database, session: Session, ruleSet: RuleSet, now: Date) throws -> (DeliveredDose?, PlasmaPrediction?) {
        let settings = ruleSet.profiles[session.drug]?.resolvedPharmacokinetics ?? .standard(for: session.drug)
        let history = try sessionHistory(db, session: session, observedSince: nil)
        guard history.start != nil else { return (nil, nil) }
        let plan = DeliveryPlan(session: session, history: history)
        // After the session closes the figures are frozen at the close; a closed session delivers nothing more.
        let at = session.closedAt.map { min($0, now) } ?? now
        return (plan.delivered(at: at), PlasmaPredictor.predict(session: session, plan: plan, settings: settings, at: at))
    }
}

/// The event bodies a session's history is read from, decoded once: every observation reads its session's symptom
/// observations, actions and start again, and the clinical clock reads them each time a session changes.
enum HistoryDocuments {
    static let starts = DecodedTextMemo<StartSessionRequest>(capacity: 1_024)
    static let observations = DecodedTextMemo<ObservationRequest>(capacity: 2_048)
    static let actions = DecodedTextMemo<ActionRequest>(capacity: 1_024)
    static let systemEvents = DecodedTextMemo<SystemEvent>(capacity: 512)

    /// A stored event body as history entries carry it, decoded through the memos. Timer and decision bodies
    /// mean nothing to the rules or the schedule (their effect on the session is its state afterwards): `.unread`.
    static func payload(kind: ClinicalEventKind, body: String) throws -> SessionHistory.Entry.Payload {
        switch kind {
        case .start: .start(try starts.value(for: body, decode: Rows.decoder()))
        case .observation: .observation(try observations.value(for: body, decode: Rows.decoder()))
        case .action: .action(try actions.value(for: body, decode: Rows.decoder()))
        case .system: .system(try systemEvents.value(for: body, decode: Rows.decoder()))
        case .timer, .decision: .unread
        }
    }
}
