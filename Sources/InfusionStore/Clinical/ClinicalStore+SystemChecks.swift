import Foundation
import GRDB
import InfusionCore

extension ClinicalStore {
    /// The sessions whose dose, duration and predicted level can still change: running or paused.
    public func deliveringSessionIds() async throws -> [UUID] {
        try await writer.read { db in
            try String.fetchAll(db, sql: "SELECT id FROM sessions WHERE state IN ('running', 'paused') ORDER BY started_at")
                .compactMap(UUID.init(uuidString:))
        }
    }

    /// Re-evaluates a session's rules at `now` without an observation (delivered dose L16, duration L17, predicted
    /// level L14), in one write transaction. When they ask for something new (an alert not yet raised at that
    /// priority, or a pause or stop) it records a `system` event with its decisions, alert changes and audit
    /// records, and a rule's stop stops the patient's other open session (X01). Returns nil when nothing new was
    /// needed.
    public func recordClockCheck(sessionId: UUID, ruleSet: RuleSet, now: Date) async throws -> EventResponse? {
        try await committer.write { db in
            let session = try Self.loadSession(db, id: sessionId)
            guard session.state == .running || session.state == .paused, let profile = ruleSet.profiles[session.drug] else {
                return nil
            }
            guard let response = try self.recordSystemEvaluation(
                db, session: session, profile: profile, body: SystemEvent(cause: .clock), ruleSet: ruleSet, now: now)
            else { return nil }
            try self.stopOtherSessions(db, after: response.session, previous: session, decisions: response.decisions,
                                       ruleSet: ruleSet, now: now)
            return response
        }
    }

    /// X01: when a rule (not a clinician's order) stops a session, every other running or paused session of the
    /// same patient is evaluated with the stop as its trigger; its profile's `otherSessionStopped` rule stops it.
    /// Runs inside the caller's transaction, so both stops commit together or not at all.
    @discardableResult
    func stopOtherSessions(
        _ db: Database, after session: Session, previous: Session, decisions: [Decision], ruleSet: RuleSet, now: Date
    ) throws -> [EventResponse] {
        guard session.state == .stopped, previous.state != .stopped,
              let stop = decisions.first(where: { $0.action == .stop && $0.ruleId != SessionMachine.clinicianRuleId })
        else { return [] }
        let others = try Row.fetchAll(db, sql: """
            SELECT document FROM sessions WHERE patient_id = ? AND id != ? AND state IN ('running', 'paused') ORDER BY started_at
            """, arguments: [session.patientId, session.id.uuidString]).map(Rows.session)
        return try others.compactMap { other in
            guard let profile = ruleSet.profiles[other.drug] else { return nil }
            let body = SystemEvent(cause: .otherSessionStopped, otherSessionId: session.id, otherDrug: session.drug,
                                   otherRuleId: stop.ruleId)
            return try recordSystemEvaluation(db, session: other, profile: profile, body: body, ruleSet: ruleSet, now: now)
        }
    }

    /// Evaluates a session's rules for a daemon-made check and records a `system` event when the decisions raise or
    /// raise the priority of an alert, or change the session's state.
    private func recordSystemEvaluation(
        _ db: Database, session: Session, profile: RuleProfile, body: SystemEvent, ruleSet: RuleSet, now: Date
    ) throws -> EventResponse? {
        let context = try ruleContext(db, session: session, profile: profile, now: now,
                                      otherSessionStop: body.cause == .otherSessionStopped ? body : nil)
        let decisions = RuleEngine.evaluate(profile.rules, context: context)
        guard !decisions.isEmpty else { return nil }
        let next = SessionMachine.apply(decisions, to: session)
        let changes = AlertPolicy.changes(for: decisions, unresolved: try unresolvedAlerts(db, sessionId: session.id))
        guard !changes.isEmpty || next.state != session.state else { return nil }

        let event = try nextEvent(db, id: UUID(), session: session, kind: .system, occurredAt: now,
                                  recordedBy: AuditActor.daemon.person ?? "infusiond", body: body, now: now)
        try AuditLog.append(db, action: "rules.\(body.cause.rawValue)", actor: .daemon, entity: Self.entity(session), detail: [
            "eventId": .string(event.id.uuidString), "sequence": .number(Double(event.sequence)),
            "otherSessionId": body.otherSessionId.map { .string($0.uuidString) } ?? .null,
            "otherRuleId": body.otherRuleId.map(JSONValue.string) ?? .null,
            "deliveredMg": context.delivered.map { .number($0.mg) } ?? .null,
            "predictedUgPerMl": context.prediction.map { .number($0.concentrationUgPerMl) } ?? .null,
            "decisions": .array(decisions.map { .string("\($0.ruleId):\($0.action.rawValue):\($0.priority.rawValue)") }),
        ], at: now)
        let alerts = try record(decisions, event: event, session: next, ruleSetHash: ruleSet.hash, actor: .daemon, db: db, now: now)
        try save(next, previous: session, actor: .daemon, db: db, now: now)
        let response = EventResponse(event: event, decisions: decisions, session: next, alerts: alerts)
        try insert(event, response: response, db: db)
        return response
    }
}
