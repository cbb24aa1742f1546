import Foundation
import GRDB
import InfusionCore

extension ClinicalStore {
    /// Records a refused request (bad input, unknown session, conflict) in its own transaction.
    public func recordRefusal(_ problem: Problem, method: String, path: String, actor: AuditActor, now: Date) async throws {
        _ = try await committer.write { db in
            try AuditLog.append(db, action: "request.refuse", outcome: "refused", actor: actor,
                                entity: AuditEntity(type: "request", id: "\(method) \(path)"), detail: [
                                    "status": .number(Double(problem.status)), "code": .string(problem.code),
                                    "detail": .string(problem.detail), "field": problem.field.map(JSONValue.string) ?? .null,
                                ], at: now)
        }
    }

    /// Records something the daemon itself did (start, stop, configuration load).
    @discardableResult
    public func recordDaemonEvent(_ action: String, detail: JSONValue, now: Date) async throws -> AuditEntry {
        try await committer.write { db in
            try AuditLog.append(db, action: action, actor: .daemon, entity: AuditEntity(type: "daemon"), detail: detail, at: now)
        }
    }

    /// Audit records after a seq.
    public func auditPage(after: Int64, limit: Int) async throws -> AuditPage {
        try await writer.read { db in try AuditLog.page(db, after: after, limit: limit) }
    }

    /// Walks the whole audit chain of the live database.
    public func verifyAudit() async throws -> AuditVerification {
        try await writer.read { db in try AuditLog.verify(db) }
    }

    /// Counts for the health view: open sessions, unresolved alerts, audit records.
    public func counts() async throws -> (openSessions: Int, activeAlerts: Int, auditRecords: Int64) {
        try await writer.read { db in
            let sessions = try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM sessions WHERE \(OpenStateFilters.sessions)") ?? 0
            let alerts = try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM alerts WHERE state = 'active'") ?? 0
            return (sessions, alerts, try AuditLog.count(db))
        }
    }
}
