import Foundation
import InfusionCore

/// Which record a step is taken on: a session, or the session an alert belongs to.
public enum StepTarget: Sendable, Hashable {
    case session(UUID)
    case alert(Int64)
}

/// The clinical record as the daemon needs it from a storage engine, and nothing more: load the open sessions'
/// snapshots, append what one ``SessionStep`` decided atomically (and durably, before it returns), and read the
/// views. The SQLite engine (``ClinicalStore``) implements it; another engine (PostgreSQL for a standby host)
/// would implement the same requirements and run the same contract tests (`StoreContractTests`).
///
/// An engine decides nothing clinical: it runs ``SessionStep/run(_:snapshot:profile:ruleSetHash:actor:now:)``
/// on its committed snapshot inside its write transaction and records the outcome.
public protocol ClinicalRecordStore: Sendable {
    /// Every open session's committed snapshot, in start order.
    func openSnapshots() async throws -> [SessionSnapshot]

    /// Takes one step on `target` and records its outcome in one durable transaction, with the X01 hand-over to
    /// the patient's other sessions. With `retryOf`, an event already recorded under that id with the same body is
    /// answered again (`replayed`) and nothing is stored; a different body is a conflict. Nil when a daemon check
    /// found nothing new.
    func commit(
        _ trigger: StepTrigger, on target: StepTarget, ruleSet: RuleSet?, actor: AuditActor, now: Date, body: EncodedBody?,
        retryOf eventId: UUID?
    ) async throws -> RecordedStep?

    // MARK: Views

    /// Sessions by state: `open` (default), `closed` or `all`, newest first.
    func sessions(state: String) async throws -> [Session]
    /// One session with its open alerts, last observation and recent decisions; with a rule set and a time, also
    /// the dose delivered, the predicted plasma level and the observation schedule.
    func sessionDetail(id: UUID, ruleSet: RuleSet?, now: Date?) async throws -> SessionDetail
    /// A session's event log and every decision, oldest first.
    func events(sessionId: UUID) async throws -> EventList
    /// A session's delivered dose and predicted plasma level from its start to `until` (``SessionSeries``).
    func sessionSeries(id: UUID, ruleSet: RuleSet, until: Date) async throws -> SessionSeries
    /// Where a session stands on its observation schedule at `now`.
    func scheduleStatus(sessionId: UUID, ruleSet: RuleSet, now: Date) async throws -> ScheduleStatus
    /// Alerts by state and session, highest priority first, then newest; `state` nil means unresolved.
    func alerts(state: AlertState?, sessionId: UUID?) async throws -> [Alert]
    /// Alert events after `after` (0 for all), oldest first, at most `limit`.
    func alertEvents(after: Int64, limit: Int) async throws -> [AlertEvent]
    /// The id of the latest alert event, or 0.
    func latestAlertEventId() async throws -> Int64
    /// Every unresolved alert with its events and its session's drug.
    func unresolvedAlertsWithHistory() async throws -> [(alert: Alert, drug: Drug, history: [AlertEvent])]
    /// Everything a replay of one session needs: the session, its stored events and when each rule set came in.
    func replayMaterial(sessionId: UUID) async throws -> (session: Session, events: [SessionReplay.StoredEvent], loads: [(hash: String, at: Date)])
    /// Open sessions, unresolved alerts and audit records, for health.
    func counts() async throws -> (openSessions: Int, activeAlerts: Int, auditRecords: Int64)
    /// The counts the metrics endpoint reports.
    func metricCounts() async throws -> StoreMetricCounts
}

/// The requests the API and the timers make, each one step through ``ClinicalRecordStore/commit``; an engine
/// gets them for free.
extension ClinicalRecordStore {
    /// Starts a session: the start checks, then the start recorded.
    public func startSession(_ request: StartSessionRequest, ruleSet: RuleSet, actor: AuditActor, now: Date) async throws -> Session {
        let id = UUID()
        let recorded = try await commit(.start(request, sessionId: id, eventId: UUID()), on: .session(id), ruleSet: ruleSet, actor: actor,
                                        now: now, body: try EncodedBody(request), retryOf: nil)
        guard let session = recorded?.response?.session else { throw StoredRecordUnreadable(what: "the start of session \(id) recorded no event") }
        return session
    }

    /// Records an observation and what its rules decided; a retry with the same `eventId` and body returns the
    /// original answer and stores nothing (`replayed`).
    public func recordObservation(
        sessionId: UUID, request: ObservationRequest, ruleSet: RuleSet, actor: AuditActor, now: Date
    ) async throws -> (response: EventResponse, replayed: Bool) {
        let answer = try await recordObservationAnswer(sessionId: sessionId, request: request, ruleSet: ruleSet, actor: actor, now: now)
        return (answer.response, answer.replayed)
    }

    /// ``recordObservation(sessionId:request:ruleSet:actor:now:)`` with the answer's stored JSON text as well.
    public func recordObservationAnswer(
        sessionId: UUID, request: ObservationRequest, ruleSet: RuleSet, actor: AuditActor, now: Date
    ) async throws -> StoredAnswer {
        try await answer(.observation(request), eventId: request.eventId, sessionId: sessionId, ruleSet: ruleSet, actor: actor, now: now,
                         body: try EncodedBody(request))
    }

    /// Records a clinician or bedside action (a retry with the same `eventId` is idempotent).
    public func recordAction(
        sessionId: UUID, request: ActionRequest, ruleSet: RuleSet, actor: AuditActor, now: Date
    ) async throws -> (response: EventResponse, replayed: Bool) {
        let recorded = try await answer(.action(request, eventId: request.eventId ?? UUID()), eventId: request.eventId,
                                        sessionId: sessionId, ruleSet: ruleSet, actor: actor, now: now, body: try EncodedBody(request))
        return (recorded.response, recorded.replayed)
    }

    /// Acknowledges an alert with who and an optional note.
    public func acknowledge(alertId: Int64, request: AcknowledgeRequest, actor: AuditActor, now: Date) async throws -> Alert {
        guard let updated = try await commit(.acknowledge(alertId: alertId, request), on: .alert(alertId), ruleSet: nil, actor: actor,
                                             now: now, body: nil, retryOf: nil)?.alerts.first
        else { throw StoredRecordUnreadable(what: "acknowledging alert \(alertId) recorded nothing") }
        return updated
    }

    /// Applies an escalation step to an alert if it is still due; nil when it no longer needs one.
    public func escalate(alertId: Int64, profiles: RuleSet, now: Date) async throws -> Alert? {
        try await commit(.escalationTick(alertId: alertId), on: .alert(alertId), ruleSet: profiles, actor: .daemon, now: now, body: nil,
                         retryOf: nil)?.alerts.first
    }

    /// The clinical clock's look at a session (L14, L16, L17); nil when it found nothing new.
    public func recordClockCheck(sessionId: UUID, ruleSet: RuleSet, now: Date) async throws -> EventResponse? {
        try await commit(.clockTick(eventId: UUID()), on: .session(sessionId), ruleSet: ruleSet, actor: .daemon, now: now, body: nil,
                         retryOf: nil)?.response
    }

    /// The observation schedule's look at a session (L20, L21); nil when it found nothing new.
    public func recordScheduleCheck(sessionId: UUID, ruleSet: RuleSet, now: Date) async throws -> EventResponse? {
        try await commit(.scheduleTick(eventId: UUID()), on: .session(sessionId), ruleSet: ruleSet, actor: .daemon, now: now, body: nil,
                         retryOf: nil)?.response
    }

    private func answer(
        _ trigger: StepTrigger, eventId: UUID?, sessionId: UUID, ruleSet: RuleSet, actor: AuditActor, now: Date, body: EncodedBody
    ) async throws -> StoredAnswer {
        guard let recorded = try await commit(trigger, on: .session(sessionId), ruleSet: ruleSet, actor: actor, now: now, body: body,
                                              retryOf: eventId),
              let response = recorded.response, let json = recorded.json
        else { throw StoredRecordUnreadable(what: "a request on session \(sessionId) recorded no event") }
        return StoredAnswer(response: response, replayed: recorded.replayed, json: json)
    }
}
