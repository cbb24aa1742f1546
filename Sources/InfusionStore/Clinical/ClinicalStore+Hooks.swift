import Foundation
import GRDB
import InfusionCore

extension ClinicalStore {
    /// Records that a hook command failed (exit status, timeout, could not start), with what it was told about.
    public func recordHookFailure(hook: String, program: String, about: JSONValue, outcome: String, now: Date) async throws {
        _ = try await committer.write { db in
            try AuditLog.append(db, action: "hook.fail", outcome: "failure", actor: .daemon,
                                entity: AuditEntity(type: "hook", id: hook), detail: [
                                    "hook": .string(hook), "program": .string(program), "about": about, "result": .string(outcome),
                                ], at: now)
        }
    }

    /// The `session.state` audit records after `afterSeq` that took a session into `stopped` or `paused`, oldest
    /// first, and the last seq looked at.
    public func stopsAndPauses(afterSeq: Int64, limit: Int = 500) async throws -> (records: [AuditEntry], lastSeq: Int64) {
        try await writer.read { db in
            let page = try AuditLog.page(db, after: afterSeq, limit: limit)
            let matching = page.records.filter { entry in
                guard entry.record.action == "session.state", case .object(let detail) = entry.record.detail,
                      let to = detail["to"]?.stringValue else { return false }
                return to == SessionState.stopped.rawValue || to == SessionState.paused.rawValue
            }
            return (matching, page.records.last?.record.seq ?? afterSeq)
        }
    }

    /// The seq of the latest audit record.
    public func latestAuditSeq() async throws -> Int64 {
        try await writer.read { db in try AuditLog.count(db) }
    }
}
