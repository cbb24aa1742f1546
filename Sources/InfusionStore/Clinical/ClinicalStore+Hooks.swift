import Foundation
import GRDB
import InfusionCore

/// The hook outbox (migration 0005): a notice is written in the transaction of the change it announces, and
/// deleted in the transaction that audits its delivery or final give-up, so a committed change is announced at
/// least once whatever happens to the daemon in between.
extension ClinicalStore {
    // MARK: Writing notices, inside the change's own transaction

    /// Queues the `onAlert` notice of an alert event just inserted, when an `onAlert` hook is configured.
    func enqueueAlertNotice(_ db: Database, eventId: Int64, kind: AlertEventKind, alert: Alert, now: Date) throws {
        guard notifiedHooks.contains(.onAlert) else { return }
        let deliveryId = "alert-event-\(eventId)"
        let event = AlertHookEvent(deliveryId: deliveryId, event: AlertEvent(id: eventId, kind: kind, at: now, alert: alert))
        try insertNotice(db, hook: .onAlert, deliveryId: deliveryId, payload: try Rows.json(event), now: now)
    }

    /// Queues the `onStop` notice the step listed (``StepOutcome/hookNotices``) for the `session.state` audit record
    /// just appended, when an `onStop` hook is configured.
    func enqueueStopNotice(_ db: Database, stateRecord: AuditEntry, session: Session, previous: Session, actor: AuditActor, now: Date) throws {
        guard notifiedHooks.contains(.onStop) else { return }
        let seq = stateRecord.record.seq
        let event = SessionStopHookEvent(
            deliveryId: "stop-\(seq)", kind: "session.\(session.state.rawValue)", auditSeq: seq, at: stateRecord.record.time,
            sessionId: session.id.uuidString, patientId: session.patientId, from: previous.state.rawValue,
            to: session.state.rawValue, by: actor.person)
        try insertNotice(db, hook: .onStop, deliveryId: event.deliveryId, payload: try Rows.json(event), now: now)
    }

    private func insertNotice(_ db: Database, hook: HookName, deliveryId: String, payload: String, now: Date) throws {
        try db.cachedStatement(sql: "INSERT INTO hook_outbox (hook, delivery_id, created_at, payload) VALUES (?, ?, ?, ?)")
            .execute(arguments: [hook.rawValue, deliveryId, Rows.time(now), payload])
    }

    // MARK: Delivering

    /// The oldest notice `hook` still has to receive, or nil when it has none.
    public func nextHookNotice(hook: HookName) async throws -> HookNotice? {
        try await writer.read { db in
            try Row.fetchOne(db, sql: "SELECT * FROM hook_outbox WHERE hook = ? ORDER BY id LIMIT 1", arguments: [hook.rawValue])
                .map(Self.notice)
        }
    }

    /// Every notice still pending, each hook's in delivery order.
    public func pendingHookNotices() async throws -> [HookNotice] {
        try await writer.read { db in
            try Row.fetchAll(db, sql: "SELECT * FROM hook_outbox ORDER BY hook, id").map(Self.notice)
        }
    }

    /// Records that the hook took the notice (exit 0): audits `hook.deliver` and removes the notice, in one
    /// transaction. A crash before it commits delivers the notice again, with the same delivery id.
    public func recordHookDelivery(_ notice: HookNotice, attempt: Int, program: String, now: Date) async throws {
        _ = try await committer.write { db in
            try self.auditHook("hook.deliver", outcome: "success", notice, attempt: attempt, program: program, extra: [:], db: db, now: now)
            try db.execute(sql: "DELETE FROM hook_outbox WHERE id = ?", arguments: [notice.id])
        }
    }

    /// Records a failed run that will be tried again after `retryIn`: audits `hook.retry` and counts the attempt.
    public func recordHookRetry(_ notice: HookNotice, attempt: Int, program: String, result: String, retryIn: Duration, now: Date) async throws {
        _ = try await committer.write { db in
            try self.auditHook("hook.retry", outcome: "failure", notice, attempt: attempt, program: program, extra: [
                "result": .string(result), "retryInSeconds": .number(Double(retryIn.components.seconds) + Double(retryIn.components.attoseconds) / 1e18),
            ], db: db, now: now)
            try db.execute(sql: "UPDATE hook_outbox SET attempts = ?, last_result = ? WHERE id = ?", arguments: [attempt, result, notice.id])
        }
    }

    /// Records the last allowed run failing: audits `hook.giveUp` and removes the notice, so the hook's next notice
    /// is not held back any longer.
    public func recordHookGiveUp(_ notice: HookNotice, attempt: Int, program: String, result: String, now: Date) async throws {
        _ = try await committer.write { db in
            try self.auditHook("hook.giveUp", outcome: "failure", notice, attempt: attempt, program: program, extra: [
                "result": .string(result), "payload": (try? Rows.decode(JSONValue.self, notice.payload)) ?? .string(notice.payload),
            ], db: db, now: now)
            try db.execute(sql: "DELETE FROM hook_outbox WHERE id = ?", arguments: [notice.id])
        }
    }

    private func auditHook(
        _ action: String, outcome: String, _ notice: HookNotice, attempt: Int, program: String, extra: [String: JSONValue],
        db: Database, now: Date
    ) throws {
        var detail: [String: JSONValue] = [
            "hook": .string(notice.hook.rawValue), "program": .string(program), "deliveryId": .string(notice.deliveryId),
            "attempt": .number(Double(attempt)), "queuedAt": .string(Rows.time(notice.createdAt)),
        ]
        detail.merge(extra) { $1 }
        try AuditLog.append(db, action: action, outcome: outcome, actor: .daemon,
                            entity: AuditEntity(type: "hook", id: notice.hook.rawValue), detail: .object(detail), at: now)
    }

    static func notice(_ row: Row) -> HookNotice {
        HookNotice(id: row["id"], hook: HookName(rawValue: row["hook"]) ?? .onAlert, deliveryId: row["delivery_id"],
                   payload: row["payload"], attempts: row["attempts"], createdAt: Rows.date(row["created_at"]) ?? .distantPast)
    }
}
